using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticGrad.Kernels;

/// <summary>The forward pass of a fully connected layer with its bias and activation fused in.</summary>
public static class LinearForward
{
    /// <summary>
    /// Computes <c>output[batch,outputs] = act(input[batch,inputs] · weight[outputs,inputs]ᵀ + bias)</c>
    /// (PyTorch's <c>nn.Linear</c> followed by the activation). The bias and activation are applied to
    /// each output row right after it is computed, while it is still in cache.
    /// </summary>
    /// <param name="input">Row-major <c>[batch, inputs]</c>; at least <c>batch·inputs</c> elements.</param>
    /// <param name="weight">Row-major <c>[outputs, inputs]</c> (PyTorch layout); at least <c>outputs·inputs</c> elements.</param>
    /// <param name="bias"><c>[outputs]</c>; at least <c>outputs</c> elements.</param>
    /// <param name="output">Row-major <c>[batch, outputs]</c>; at least <c>batch·outputs</c> elements; overwritten. Must not overlap the other spans.</param>
    /// <param name="batch">Rows; zero or more.</param>
    /// <param name="inputs">Input features; positive.</param>
    /// <param name="outputs">Output features; positive.</param>
    /// <param name="activation">The activation applied after the bias.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension or <paramref name="activation"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or <paramref name="output"/> overlaps an input.</exception>
    public static void Run(
        ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output,
        int batch, int inputs, int outputs, Activation activation)
    {
        KernelGuard.NonNegative(batch, nameof(batch));
        KernelGuard.Positive(inputs, nameof(inputs));
        KernelGuard.Positive(outputs, nameof(outputs));
        KernelGuard.Holds(input.Length, batch, inputs, nameof(input), "batch*inputs");
        KernelGuard.Holds(weight.Length, outputs, inputs, nameof(weight), "outputs*inputs");
        KernelGuard.Holds(bias.Length, outputs, nameof(bias), "outputs");
        KernelGuard.Holds(output.Length, batch, outputs, nameof(output), "batch*outputs");
        KernelGuard.NoOverlap(input, output, nameof(input), nameof(output));
        KernelGuard.NoOverlap(weight, output, nameof(weight), nameof(output));
        KernelGuard.NoOverlap(bias, output, nameof(bias), nameof(output));

        switch (activation)
        {
            case Activation.None:
                Run<IdentityFunction>(input, weight, bias, output, batch, inputs, outputs);
                break;
            case Activation.ReLU:
                Run<ReLUFunction>(input, weight, bias, output, batch, inputs, outputs);
                break;
            case Activation.Sigmoid:
                Run<SigmoidFunction>(input, weight, bias, output, batch, inputs, outputs);
                break;
            case Activation.Tanh:
                Run<TanhFunction>(input, weight, bias, output, batch, inputs, outputs);
                break;
            default:
                KernelGuard.ThrowUnknownActivation(activation);
                break;
        }
    }

    private static void Run<TAct>(
        ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output,
        int batch, int inputs, int outputs)
        where TAct : struct, IActivationFunction
    {
        ref float x0 = ref MemoryMarshal.GetReference(input);
        ref float w0 = ref MemoryMarshal.GetReference(weight);
        ref float b0 = ref MemoryMarshal.GetReference(bias);
        ref float y0 = ref MemoryMarshal.GetReference(output);
        for (int i = 0; i < batch; i++)
        {
            ref float yRow = ref Unsafe.Add(ref y0, (nint)i * outputs);
            Gemm.RowTransposeB(ref Unsafe.Add(ref x0, (nint)i * inputs), ref w0, ref yRow, inputs, outputs);
            AddBiasAndActivate<TAct>(ref yRow, ref b0, outputs);
        }
    }

    /// <summary><c>row[j] = f(row[j] + bias[j])</c> for <c>j &lt; n</c>.</summary>
    private static void AddBiasAndActivate<TAct>(ref float row, ref float bias, int n)
        where TAct : struct, IActivationFunction
    {
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = AddBiasAndActivatePart<TAct, Simd512, Vector512<float>>(ref row, ref bias, 0, (nuint)n);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = AddBiasAndActivatePart<TAct, Simd256, Vector256<float>>(ref row, ref bias, 0, (nuint)n);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = AddBiasAndActivatePart<TAct, Simd128, Vector128<float>>(ref row, ref bias, 0, (nuint)n);
        }

        AddBiasAndActivatePart<TAct, ScalarOps, float>(ref row, ref bias, i, (nuint)n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint AddBiasAndActivatePart<TAct, TOps, TVec>(ref float row, ref float bias, nuint start, nuint n)
        where TAct : struct, IActivationFunction
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        for (; i + count <= n; i += count)
        {
            TVec x = TOps.Add(TOps.Load(ref row, i), TOps.Load(ref bias, i));
            TOps.Store(TAct.Forward<TOps, TVec>(x), ref row, i);
        }

        return i;
    }
}
