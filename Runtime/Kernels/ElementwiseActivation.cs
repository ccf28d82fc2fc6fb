using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticGrad.Kernels;

/// <summary>
/// Every <see cref="Activation"/> as an op of its own: forward, and backward from the input (always possible) or
/// from the output (when the derivative is a function of the output, so the forward pass may run in place). The
/// formulas, boundaries and NaN behaviour are PyTorch 1.13's. Each is written once over <see cref="ISimdOps{TVec}"/>,
/// so the AVX-512, AVX2, 128-bit and scalar paths run the same operations and give the same bits.
/// </summary>
public static class ElementwiseActivation
{
    /// <summary><c>output[i] = f(input[i])</c>.</summary>
    /// <param name="input">The pre-activation values.</param>
    /// <param name="output">Receives the activations; the same span as <paramref name="input"/> (in place) or disjoint from it.</param>
    /// <param name="length">Elements; zero or more.</param>
    /// <param name="activation">The activation.</param>
    /// <param name="alpha">LeakyReLU's negative slope, ELU's alpha, Softplus's beta (positive); ignored by the others.</param>
    /// <param name="threshold">Softplus's threshold; ignored by the others.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/>, <paramref name="activation"/> or Softplus's beta is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or <paramref name="output"/> partially overlaps <paramref name="input"/>.</exception>
    public static void Forward(ReadOnlySpan<float> input, Span<float> output, int length, Activation activation, float alpha, float threshold)
    {
        Check(input, output, length, activation, alpha, nameof(input), nameof(output));
        var p = new Params(alpha, threshold);
        ref float x = ref MemoryMarshal.GetReference(input);
        ref float y = ref MemoryMarshal.GetReference(output);
        switch (activation)
        {
            case Activation.None:
                input.Slice(0, length).CopyTo(output);
                break;
            case Activation.ReLU: Run<ReLU, Fwd>(ref x, ref x, ref y, length, p); break;
            case Activation.Sigmoid: Run<Sigmoid, Fwd>(ref x, ref x, ref y, length, p); break;
            case Activation.Tanh: Run<Tanh, Fwd>(ref x, ref x, ref y, length, p); break;
            case Activation.LeakyReLU: Run<LeakyReLU, Fwd>(ref x, ref x, ref y, length, p); break;
            case Activation.ELU: Run<Elu, Fwd>(ref x, ref x, ref y, length, p); break;
            case Activation.GELU: Run<Gelu, Fwd>(ref x, ref x, ref y, length, p); break;
            case Activation.GELUTanh: Run<GeluTanh, Fwd>(ref x, ref x, ref y, length, p); break;
            case Activation.SiLU: Run<Silu, Fwd>(ref x, ref x, ref y, length, p); break;
            case Activation.Softplus: SoftplusForward(input, output, length, alpha, threshold); break;
            case Activation.ReLU6: Run<ReLU6, Fwd>(ref x, ref x, ref y, length, p); break;
            case Activation.Hardsigmoid: Run<Hardsigmoid, Fwd>(ref x, ref x, ref y, length, p); break;
            default: Run<Hardswish, Fwd>(ref x, ref x, ref y, length, p); break;
        }
    }

    /// <summary>Whether the derivative is a function of the output alone, so <see cref="BackwardFromOutput"/> applies.</summary>
    /// <param name="activation">The activation.</param>
    /// <param name="alpha">Its parameter (LeakyReLU and ELU need a positive one: then the sign of the output is the sign of the input).</param>
    /// <returns>True for None, ReLU, Sigmoid, Tanh and ReLU6, and for LeakyReLU and ELU with a positive <paramref name="alpha"/>.</returns>
    public static bool CanBackwardFromOutput(Activation activation, float alpha) => activation switch
    {
        Activation.None or Activation.ReLU or Activation.Sigmoid or Activation.Tanh or Activation.ReLU6 => true,
        Activation.LeakyReLU or Activation.ELU => alpha > 0f,
        _ => false,
    };

    /// <summary><c>gradient[i] *= f'(input[i])</c>: dL/dy becomes dL/dx in place.</summary>
    /// <param name="gradient">On entry dL/dy, on return dL/dx.</param>
    /// <param name="input">The pre-activation values the forward pass read.</param>
    /// <param name="length">Elements; zero or more.</param>
    /// <param name="activation">The activation.</param>
    /// <param name="alpha">As in <see cref="Forward"/>.</param>
    /// <param name="threshold">As in <see cref="Forward"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or the spans partially overlap.</exception>
    public static void BackwardFromInput(Span<float> gradient, ReadOnlySpan<float> input, int length, Activation activation, float alpha, float threshold)
    {
        Check(input, gradient, length, activation, alpha, nameof(input), nameof(gradient));
        var p = new Params(alpha, threshold);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float x = ref MemoryMarshal.GetReference(input);
        switch (activation)
        {
            case Activation.None: break;
            case Activation.ReLU: Run<ReLU, InputPass>(ref x, ref g, ref g, length, p); break;
            case Activation.Sigmoid: Run<Sigmoid, InputPass>(ref x, ref g, ref g, length, p); break;
            case Activation.Tanh: Run<Tanh, InputPass>(ref x, ref g, ref g, length, p); break;
            case Activation.LeakyReLU: Run<LeakyReLU, InputPass>(ref x, ref g, ref g, length, p); break;
            case Activation.ELU: Run<Elu, InputPass>(ref x, ref g, ref g, length, p); break;
            case Activation.GELU: Run<Gelu, InputPass>(ref x, ref g, ref g, length, p); break;
            case Activation.GELUTanh: Run<GeluTanh, InputPass>(ref x, ref g, ref g, length, p); break;
            case Activation.SiLU: Run<Silu, InputPass>(ref x, ref g, ref g, length, p); break;
            case Activation.Softplus: SoftplusBackward(gradient, input, length, alpha, threshold); break;
            case Activation.ReLU6: Run<ReLU6, InputPass>(ref x, ref g, ref g, length, p); break;
            case Activation.Hardsigmoid: Run<Hardsigmoid, InputPass>(ref x, ref g, ref g, length, p); break;
            default: Run<Hardswish, InputPass>(ref x, ref g, ref g, length, p); break;
        }
    }

    /// <summary><c>gradient[i] *= f'(x)</c> computed from <c>output[i] = f(x)</c>, for the activations of <see cref="CanBackwardFromOutput"/>.</summary>
    /// <param name="gradient">On entry dL/dy, on return dL/dx.</param>
    /// <param name="output">The activations the forward pass wrote.</param>
    /// <param name="length">Elements; zero or more.</param>
    /// <param name="activation">The activation.</param>
    /// <param name="alpha">LeakyReLU's slope or ELU's alpha.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    /// <exception cref="ArgumentException">The derivative is not a function of the output, a span is too short, or the spans partially overlap.</exception>
    public static void BackwardFromOutput(Span<float> gradient, ReadOnlySpan<float> output, int length, Activation activation, float alpha)
    {
        Check(output, gradient, length, activation, 1f, nameof(output), nameof(gradient));
        if (!CanBackwardFromOutput(activation, alpha))
        {
            throw new ArgumentException($"The derivative of {activation} (alpha {alpha}) is not a function of its output; use BackwardFromInput.", nameof(activation));
        }

        var p = new Params(alpha, 0f);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float y = ref MemoryMarshal.GetReference(output);
        switch (activation)
        {
            case Activation.None: break;
            case Activation.ReLU: Run<ReLU, OutputPass>(ref y, ref g, ref g, length, p); break;
            case Activation.Sigmoid: Run<Sigmoid, OutputPass>(ref y, ref g, ref g, length, p); break;
            case Activation.Tanh: Run<Tanh, OutputPass>(ref y, ref g, ref g, length, p); break;
            case Activation.LeakyReLU: Run<LeakyReLU, OutputPass>(ref y, ref g, ref g, length, p); break;
            case Activation.ReLU6: Run<ReLU6, OutputPass>(ref y, ref g, ref g, length, p); break;
            default: Run<Elu, OutputPass>(ref y, ref g, ref g, length, p); break;
        }
    }

    private static void Check(ReadOnlySpan<float> first, ReadOnlySpan<float> second, int length, Activation activation, float alpha, string firstName, string secondName)
    {
        KernelGuard.NonNegative(length, nameof(length));
        KernelGuard.Holds(first.Length, length, firstName, "length");
        KernelGuard.Holds(second.Length, length, secondName, "length");
        KernelGuard.SameOrDisjoint(first.Slice(0, length), second.Slice(0, length), firstName, secondName);
        if (activation is < Activation.None or > Activation.Hardsigmoid)
        {
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "Expected a defined Activation value.");
        }

        if (activation == Activation.Softplus && !(alpha > 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Softplus needs a positive beta.");
        }
    }

    /// <summary>Runs <typeparamref name="TPass"/> of <typeparamref name="TAct"/> over the elements at the widest available width, then the scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TAct, TPass>(ref float saved, ref float source, ref float destination, int length, Params p)
        where TAct : struct, IFunction
        where TPass : struct, IPass
    {
        nuint n = (nuint)length;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = Part<TAct, TPass, Simd512, Vector512<float>>(ref saved, ref source, ref destination, 0, n, p);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = Part<TAct, TPass, Simd256, Vector256<float>>(ref saved, ref source, ref destination, 0, n, p);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = Part<TAct, TPass, Simd128, Vector128<float>>(ref saved, ref source, ref destination, 0, n, p);
        }

        Part<TAct, TPass, ScalarOps, float>(ref saved, ref source, ref destination, i, n, p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint Part<TAct, TPass, TOps, TVec>(ref float saved, ref float source, ref float destination, nuint start, nuint n, Params p)
        where TAct : struct, IFunction
        where TPass : struct, IPass
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        for (; i + count <= n; i += count)
        {
            TVec s = TOps.Load(ref saved, i);
            TVec result = TPass.IsForward
                ? TAct.Forward<TOps, TVec>(s, p)
                : TPass.FromOutput
                    ? TAct.BackwardFromOutput<TOps, TVec>(TOps.Load(ref source, i), s, p)
                    : TAct.BackwardFromInput<TOps, TVec>(TOps.Load(ref source, i), s, p);
            TOps.Store(result, ref destination, i);
        }

        return i;
    }

    /// <summary>The parameters of a parameterized activation.</summary>
    private readonly record struct Params(float Alpha, float Threshold);

    private interface IPass
    {
        static abstract bool IsForward { get; }

        static abstract bool FromOutput { get; }
    }

    private readonly struct Fwd : IPass
    {
        public static bool IsForward => true;

        public static bool FromOutput => false;
    }

    private readonly struct InputPass : IPass
    {
        public static bool IsForward => false;

        public static bool FromOutput => false;
    }

    private readonly struct OutputPass : IPass
    {
        public static bool IsForward => false;

        public static bool FromOutput => true;
    }

    /// <summary>One activation: forward, backward from the input, and (where it exists) backward from the output.</summary>
    private interface IFunction
    {
        static abstract TVec Forward<TOps, TVec>(TVec x, Params p)
            where TOps : ISimdOps<TVec>
            where TVec : struct;

        static abstract TVec BackwardFromInput<TOps, TVec>(TVec g, TVec x, Params p)
            where TOps : ISimdOps<TVec>
            where TVec : struct;

        static abstract TVec BackwardFromOutput<TOps, TVec>(TVec g, TVec y, Params p)
            where TOps : ISimdOps<TVec>
            where TVec : struct;
    }

    private readonly struct ReLU : IFunction
    {
        public static TVec Forward<TOps, TVec>(TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct => ReLUFunction.Forward<TOps, TVec>(x);

        // PyTorch's threshold_backward: 0 where the value is <= 0, else the gradient (so a NaN passes it through).
        public static TVec BackwardFromInput<TOps, TVec>(TVec g, TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct
            => TOps.SelectLess(x, TOps.Broadcast(float.Epsilon), TOps.Broadcast(0f), g);

        public static TVec BackwardFromOutput<TOps, TVec>(TVec g, TVec y, Params p) where TOps : ISimdOps<TVec> where TVec : struct => BackwardFromInput<TOps, TVec>(g, y, p);
    }

    private readonly struct Sigmoid : IFunction
    {
        public static TVec Forward<TOps, TVec>(TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct => SigmoidFunction.Forward<TOps, TVec>(x);

        public static TVec BackwardFromInput<TOps, TVec>(TVec g, TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct
            => SigmoidFunction.Backward<TOps, TVec>(g, SigmoidFunction.Forward<TOps, TVec>(x));

        public static TVec BackwardFromOutput<TOps, TVec>(TVec g, TVec y, Params p) where TOps : ISimdOps<TVec> where TVec : struct => SigmoidFunction.Backward<TOps, TVec>(g, y);
    }

    private readonly struct Tanh : IFunction
    {
        public static TVec Forward<TOps, TVec>(TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct => TOps.Tanh(x);

        public static TVec BackwardFromInput<TOps, TVec>(TVec g, TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct
            => TanhFunction.Backward<TOps, TVec>(g, TOps.Tanh(x));

        public static TVec BackwardFromOutput<TOps, TVec>(TVec g, TVec y, Params p) where TOps : ISimdOps<TVec> where TVec : struct => TanhFunction.Backward<TOps, TVec>(g, y);
    }

    /// <summary>PyTorch: <c>x &gt; 0 ? x : x·slope</c>; gradient <c>x &gt; 0 ? g : g·slope</c>.</summary>
    private readonly struct LeakyReLU : IFunction
    {
        public static TVec Forward<TOps, TVec>(TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct
            => TOps.SelectLess(TOps.Broadcast(0f), x, x, TOps.Multiply(x, TOps.Broadcast(p.Alpha)));

        public static TVec BackwardFromInput<TOps, TVec>(TVec g, TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct
            => TOps.SelectLess(TOps.Broadcast(0f), x, g, TOps.Multiply(g, TOps.Broadcast(p.Alpha)));

        public static TVec BackwardFromOutput<TOps, TVec>(TVec g, TVec y, Params p) where TOps : ISimdOps<TVec> where TVec : struct
            => BackwardFromInput<TOps, TVec>(g, y, p);
    }

    /// <summary>PyTorch: <c>x &gt; 0 ? x : alpha·expm1(x)</c>; gradient <c>x &gt; 0 ? g : g·alpha·e^x</c>, from the output <c>g·(y + alpha)</c>.</summary>
    private readonly struct Elu : IFunction
    {
        public static TVec Forward<TOps, TVec>(TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct
            => TOps.SelectLess(TOps.Broadcast(0f), x, x, TOps.Multiply(TOps.Broadcast(p.Alpha), ExpMinusOne<TOps, TVec>(x)));

        public static TVec BackwardFromInput<TOps, TVec>(TVec g, TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct
            => TOps.SelectLess(TOps.Broadcast(0f), x, g, TOps.Multiply(g, TOps.Multiply(TOps.Broadcast(p.Alpha), TOps.Exp(x))));

        public static TVec BackwardFromOutput<TOps, TVec>(TVec g, TVec y, Params p) where TOps : ISimdOps<TVec> where TVec : struct
            => TOps.SelectLess(TOps.Broadcast(0f), y, g, TOps.Multiply(g, TOps.Add(y, TOps.Broadcast(p.Alpha))));
    }

    /// <summary><c>0.5·x·(1 + erf(x/√2))</c>; gradient <c>0.5·(1 + erf(x/√2)) + x·φ(x)</c>.</summary>
    private readonly struct Gelu : IFunction
    {
        public static TVec Forward<TOps, TVec>(TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct
            => TOps.Multiply(TOps.Multiply(TOps.Broadcast(0.5f), x), TOps.Add(TOps.Broadcast(1f), Erf<TOps, TVec>(TOps.Multiply(x, TOps.Broadcast(0.70710678f)))));

        public static TVec BackwardFromInput<TOps, TVec>(TVec g, TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct
        {
            TVec cdf = TOps.Multiply(TOps.Broadcast(0.5f), TOps.Add(TOps.Broadcast(1f), Erf<TOps, TVec>(TOps.Multiply(x, TOps.Broadcast(0.70710678f)))));
            TVec pdf = TOps.Multiply(TOps.Broadcast(0.39894228f), TOps.Exp(TOps.Multiply(TOps.Broadcast(-0.5f), TOps.Multiply(x, x))));
            return TOps.Multiply(g, TOps.Add(cdf, TOps.Multiply(x, pdf)));
        }

        public static TVec BackwardFromOutput<TOps, TVec>(TVec g, TVec y, Params p) where TOps : ISimdOps<TVec> where TVec : struct
            => throw new NotSupportedException();
    }

    /// <summary>PyTorch's tanh approximation and its exact derivative.</summary>
    private readonly struct GeluTanh : IFunction
    {
        private const float Kappa = 0.044715f;
        private const float Beta = 0.7978845608f; // sqrt(2/pi)

        public static TVec Forward<TOps, TVec>(TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct
            => TOps.Multiply(TOps.Multiply(TOps.Broadcast(0.5f), x), TOps.Add(TOps.Broadcast(1f), TOps.Tanh(Inner<TOps, TVec>(x))));

        public static TVec BackwardFromInput<TOps, TVec>(TVec g, TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct
        {
            TVec t = TOps.Tanh(Inner<TOps, TVec>(x));
            TVec left = TOps.Multiply(TOps.Broadcast(0.5f), TOps.Add(TOps.Broadcast(1f), t));
            TVec dInner = TOps.Multiply(TOps.Broadcast(Beta), TOps.Add(TOps.Broadcast(1f), TOps.Multiply(TOps.Broadcast(3f * Kappa), TOps.Multiply(x, x))));
            TVec right = TOps.Multiply(TOps.Multiply(TOps.Multiply(TOps.Broadcast(0.5f), x), TOps.Subtract(TOps.Broadcast(1f), TOps.Multiply(t, t))), dInner);
            return TOps.Multiply(g, TOps.Add(left, right));
        }

        public static TVec BackwardFromOutput<TOps, TVec>(TVec g, TVec y, Params p) where TOps : ISimdOps<TVec> where TVec : struct
            => throw new NotSupportedException();

        private static TVec Inner<TOps, TVec>(TVec x) where TOps : ISimdOps<TVec> where TVec : struct
            => TOps.Multiply(TOps.Broadcast(Beta), TOps.Add(x, TOps.Multiply(TOps.Broadcast(Kappa), TOps.Multiply(x, TOps.Multiply(x, x)))));
    }

    /// <summary><c>x·s</c> with <c>s = sigmoid(x)</c>; gradient <c>g·s·(1 + x·(1 - s))</c>.</summary>
    private readonly struct Silu : IFunction
    {
        public static TVec Forward<TOps, TVec>(TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct
            => TOps.Multiply(x, SigmoidFunction.Forward<TOps, TVec>(x));

        public static TVec BackwardFromInput<TOps, TVec>(TVec g, TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct
        {
            TVec s = SigmoidFunction.Forward<TOps, TVec>(x);
            return TOps.Multiply(g, TOps.Multiply(s, TOps.Add(TOps.Broadcast(1f), TOps.Multiply(x, TOps.Subtract(TOps.Broadcast(1f), s)))));
        }

        public static TVec BackwardFromOutput<TOps, TVec>(TVec g, TVec y, Params p) where TOps : ISimdOps<TVec> where TVec : struct
            => throw new NotSupportedException();
    }

    /// <summary>
    /// PyTorch: <c>x·beta &gt; threshold ? x : log1p(e^(x·beta))/beta</c>, element by element in double (the
    /// vectorized operations have no logarithm); the same on every instruction set.
    /// </summary>
    private static void SoftplusForward(ReadOnlySpan<float> input, Span<float> output, int length, float beta, float threshold)
    {
        for (int i = 0; i < length; i++)
        {
            float x = input[i];
            double scaled = (double)x * beta;
            output[i] = scaled > threshold ? x : (float)(Log1p(Math.Exp(scaled)) / beta);
        }
    }

    /// <summary>PyTorch: <c>z = e^(x·beta)</c>, <c>x·beta &gt; threshold ? g : g·z/(z + 1)</c>.</summary>
    private static void SoftplusBackward(Span<float> gradient, ReadOnlySpan<float> input, int length, float beta, float threshold)
    {
        for (int i = 0; i < length; i++)
        {
            double scaled = (double)input[i] * beta;
            if (!(scaled > threshold))
            {
                double z = Math.Exp(scaled);
                gradient[i] = (float)(gradient[i] * (z / (z + 1)));
            }
        }
    }

    /// <summary><c>log(1 + z)</c> without losing a small <c>z</c> (netstandard's Math has no log1p).</summary>
    private static double Log1p(double z) => z < 1e-4 ? z * (1 - (z * (0.5 - (z / 3)))) : Math.Log(1 + z);

    /// <summary>
    /// PyTorch: <c>x·min(max(x + 3, 0), 6)/6</c>; gradient <c>x &lt; -3 ? 0 : x &gt;= 3 ? g : g·(x/3 + 0.5)</c>, the rule of
    /// PyTorch's vectorized <c>hardswish_backward</c>, which every tensor of 16 values or more goes through (its scalar loop
    /// for the last <c>length % 16</c> values takes <c>x &lt;= 3</c> into the middle branch, 1.5·g at exactly 3).
    /// </summary>
    private readonly struct Hardswish : IFunction
    {
        public static TVec Forward<TOps, TVec>(TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct
        {
            TVec relu6 = TOps.Min(TOps.Max(TOps.Add(x, TOps.Broadcast(3f)), TOps.Broadcast(0f)), TOps.Broadcast(6f));
            return TOps.Divide(TOps.Multiply(x, relu6), TOps.Broadcast(6f));
        }

        public static TVec BackwardFromInput<TOps, TVec>(TVec g, TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct
        {
            TVec middle = TOps.Multiply(g, TOps.Add(TOps.Divide(x, TOps.Broadcast(3f)), TOps.Broadcast(0.5f)));
            // x >= 3 ? g : middle, written so that a NaN takes the middle branch (and stays NaN) as in PyTorch.
            TVec upper = TOps.SelectLess(TOps.Broadcast(2.9999998f), x, g, middle);
            return TOps.SelectLess(x, TOps.Broadcast(-3f), TOps.Broadcast(0f), upper);
        }

        public static TVec BackwardFromOutput<TOps, TVec>(TVec g, TVec y, Params p) where TOps : ISimdOps<TVec> where TVec : struct
            => throw new NotSupportedException();
    }

    /// <summary>
    /// PyTorch's <c>hardtanh(x, 0, 6)</c>: <c>x &lt; 0 ? 0 : x &gt; 6 ? 6 : x</c> (a NaN stays NaN); gradient <c>g</c> strictly
    /// between 0 and 6, else 0 (a NaN too, as in PyTorch's vectorized <c>hardtanh_backward</c>). The output is in (0, 6)
    /// exactly where the input is, so the gradient comes from the output as well.
    /// </summary>
    private readonly struct ReLU6 : IFunction
    {
        // PyTorch's clamp, min(6, max(0, x)) as x86 takes them: a NaN passes both, and -0 stays -0.
        public static TVec Forward<TOps, TVec>(TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct
        {
            TVec low = TOps.SelectLess(x, TOps.Broadcast(0f), TOps.Broadcast(0f), x);
            return TOps.SelectLess(TOps.Broadcast(6f), low, TOps.Broadcast(6f), low);
        }

        // PyTorch's vectorized hardtanh_backward: (0 < x) & (x < 6) ? g : 0, so a NaN gets 0.
        public static TVec BackwardFromInput<TOps, TVec>(TVec g, TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct
            => TOps.SelectLess(TOps.Broadcast(0f), x, TOps.SelectLess(x, TOps.Broadcast(6f), g, TOps.Broadcast(0f)), TOps.Broadcast(0f));

        public static TVec BackwardFromOutput<TOps, TVec>(TVec g, TVec y, Params p) where TOps : ISimdOps<TVec> where TVec : struct
            => BackwardFromInput<TOps, TVec>(g, y, p);
    }

    /// <summary>
    /// PyTorch's <c>hardsigmoid</c>: <c>min(max(x + 3, 0), 6) / 6</c> (a NaN stays NaN, as its vectorized maximum and
    /// minimum propagate it); gradient <c>g · float(1/6)</c> strictly between -3 and 3, else 0 (a NaN too), as its
    /// <c>hardsigmoid_backward</c>. From the input only: near ±3 the output rounds to 0 or 1 where the gradient is not 0.
    /// </summary>
    private readonly struct Hardsigmoid : IFunction
    {
        public static TVec Forward<TOps, TVec>(TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct
        {
            TVec shifted = TOps.Add(x, TOps.Broadcast(3f));
            TVec low = TOps.SelectLess(shifted, TOps.Broadcast(0f), TOps.Broadcast(0f), shifted);
            return TOps.Divide(TOps.SelectLess(TOps.Broadcast(6f), low, TOps.Broadcast(6f), low), TOps.Broadcast(6f));
        }

        public static TVec BackwardFromInput<TOps, TVec>(TVec g, TVec x, Params p) where TOps : ISimdOps<TVec> where TVec : struct
            => TOps.SelectLess(TOps.Broadcast(-3f), x, TOps.SelectLess(x, TOps.Broadcast(3f), TOps.Multiply(g, TOps.Broadcast(1f / 6f)), TOps.Broadcast(0f)), TOps.Broadcast(0f));

        public static TVec BackwardFromOutput<TOps, TVec>(TVec g, TVec y, Params p) where TOps : ISimdOps<TVec> where TVec : struct
            => throw new NotSupportedException();
    }

    /// <summary>
    /// <c>erf(x)</c> to about 1.5e-7 absolute (Abramowitz and Stegun 7.1.26): <c>1 - (a1 t + ... + a5 t^5) e^(-x²)</c>
    /// with <c>t = 1/(1 + 0.3275911|x|)</c>, the sign of <c>x</c> restored.
    /// </summary>
    private static TVec Erf<TOps, TVec>(TVec x) where TOps : ISimdOps<TVec> where TVec : struct
    {
        TVec a = TOps.Abs(x);
        TVec t = TOps.Divide(TOps.Broadcast(1f), TOps.Add(TOps.Broadcast(1f), TOps.Multiply(TOps.Broadcast(0.3275911f), a)));
        TVec poly = TOps.Broadcast(1.061405429f);
        poly = TOps.Add(TOps.Multiply(poly, t), TOps.Broadcast(-1.453152027f));
        poly = TOps.Add(TOps.Multiply(poly, t), TOps.Broadcast(1.421413741f));
        poly = TOps.Add(TOps.Multiply(poly, t), TOps.Broadcast(-0.284496736f));
        poly = TOps.Add(TOps.Multiply(poly, t), TOps.Broadcast(0.254829592f));
        poly = TOps.Multiply(poly, t);
        TVec e = TOps.Exp(TOps.Subtract(TOps.Broadcast(0f), TOps.Multiply(a, a)));
        return TOps.CopySign(TOps.Subtract(TOps.Broadcast(1f), TOps.Multiply(poly, e)), x);
    }

    /// <summary><c>e^x - 1</c>, by its Taylor series below |x| = 1/4 (where <c>e^x - 1</c> would lose digits), else directly.</summary>
    private static TVec ExpMinusOne<TOps, TVec>(TVec x) where TOps : ISimdOps<TVec> where TVec : struct
    {
        TVec series = TOps.Broadcast(1f / 5040f);
        series = TOps.Add(TOps.Multiply(series, x), TOps.Broadcast(1f / 720f));
        series = TOps.Add(TOps.Multiply(series, x), TOps.Broadcast(1f / 120f));
        series = TOps.Add(TOps.Multiply(series, x), TOps.Broadcast(1f / 24f));
        series = TOps.Add(TOps.Multiply(series, x), TOps.Broadcast(1f / 6f));
        series = TOps.Add(TOps.Multiply(series, x), TOps.Broadcast(0.5f));
        series = TOps.Add(TOps.Multiply(series, x), TOps.Broadcast(1f));
        series = TOps.Multiply(series, x);
        TVec direct = TOps.Subtract(TOps.Exp(x), TOps.Broadcast(1f));
        return TOps.SelectLess(TOps.Abs(x), TOps.Broadcast(0.25f), series, direct);
    }

}
