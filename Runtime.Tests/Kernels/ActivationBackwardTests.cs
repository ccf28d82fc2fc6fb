using System;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

public sealed class ActivationBackwardTests
{
    public static TheoryData<Activation, int, int> Shapes()
    {
        var data = new TheoryData<Activation, int, int>();
        int[][] shapes = [[1, 1], [7, 33], [33, 7], [3, 129], [2, 785], [0, 5]];
        foreach (Activation activation in KernelReference.EpilogueActivations)
        {
            foreach (int[] s in shapes)
            {
                data.Add(activation, s[0], s[1]);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ApplyAndReduceBias_MatchesReference(Activation activation, int rows, int cols)
    {
        float[] x = PreActivations(rows * cols, seed: (ulong)((rows * 31) + cols));
        float[] y = Outputs(x, activation);
        float[] upstream = KernelReference.Random(rows * cols, seed: (ulong)(rows + cols + 5));
        float[] gradient = (float[])upstream.Clone();
        float[] biasGradient = new float[cols + 2];
        biasGradient.AsSpan().Fill(float.NaN); // overwritten, not accumulated into
        biasGradient[cols] = 99f;
        biasGradient[cols + 1] = 99f;

        ActivationBackward.ApplyAndReduceBias(gradient, y, biasGradient, rows, cols, activation);

        double[] columnSums = new double[cols];
        for (int i = 0; i < rows * cols; i++)
        {
            double expected = upstream[i] * YDerivative(y[i], activation);
            // Float rounding of the derivative: 1 - y² cancels near |y| = 1, so the bound scales with the upstream gradient.
            KernelReference.AssertClose(expected, gradient[i], 3e-7 * (Math.Abs(expected) + Math.Abs(upstream[i])), $"{activation} gradient[{i}]");
            columnSums[i % cols] += expected;
        }

        for (int c = 0; c < cols; c++)
        {
            KernelReference.AssertClose(columnSums[c], biasGradient[c], 1e-6 * Math.Max(rows, 1), $"{activation} biasGradient[{c}]");
        }

        Assert.Equal(99f, biasGradient[cols]);
        Assert.Equal(99f, biasGradient[cols + 1]);
    }

    [Theory]
    [InlineData(Activation.None)]
    [InlineData(Activation.ReLU)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Tanh)]
    public void Apply_EqualsApplyAndReduceBias(Activation activation)
    {
        const int Rows = 5, Cols = 37;
        float[] y = Outputs(PreActivations(Rows * Cols, seed: 11), activation);
        float[] g1 = KernelReference.Random(Rows * Cols, seed: 12);
        float[] g2 = (float[])g1.Clone();
        ActivationBackward.Apply(g1, y, Rows * Cols, activation);
        ActivationBackward.ApplyAndReduceBias(g2, y, new float[Cols], Rows, Cols, activation);
        Assert.Equal(g2, g1);
    }

    [Theory]
    [InlineData(Activation.ReLU)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Tanh)]
    public void Apply_SameBitsForOneTwoAndThreeThreads(Activation activation)
    {
        const int Length = 1001;   // ranges of whole vectors and a scalar tail in the last
        float[] y = Outputs(PreActivations(Length, seed: 13), activation);
        float[] upstream = KernelReference.Random(Length, seed: 14);
        float[] single = (float[])upstream.Clone();
        using (StaticGrad.Threading.Partition.Override(1, splitAlways: false))
        {
            ActivationBackward.Apply(single, y, Length, activation);
        }

        foreach (int threads in new[] { 2, 3 })
        {
            float[] g = (float[])upstream.Clone();
            using (StaticGrad.Threading.Partition.Override(threads, splitAlways: true))
            {
                ActivationBackward.Apply(g, y, Length, activation);
            }

            GemmShapeTests.AssertSameBits(single, g, $"{activation}, {threads} threads");
        }
    }

    [Fact]
    public void ReLU_SelectsTheGradient_SoDeadUnitsStopInfinities()
    {
        float[] y = [0f, 0f, 2f];
        float[] g = [float.PositiveInfinity, float.NaN, 3f];
        ActivationBackward.Apply(g, y, 3, Activation.ReLU);
        Assert.Equal([0f, 0f, 3f], g);
    }

    [Fact]
    [Trait("Category", "InstructionSet")]
    public void ReLU_PassesTheGradientWhereTheOutputIsNaN_AsPyTorch()
    {
        // torch.relu(torch.tensor([nan, -0., 0., 1., -1.])).backward(g): [5, 0, 0, 8, 0] (threshold_backward zeroes y <= 0).
        // 37 values: whole vectors of every width and a tail, a NaN in each.
        float[] y = new float[37], g = new float[37], expected = new float[37];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = (i % 5) switch { 0 => float.NaN, 1 => -0f, 2 => 0f, 3 => 1f, _ => -1f };
            g[i] = i + 5f;
            expected[i] = i % 5 is 0 or 3 ? g[i] : 0f;
        }

        float[] applied = (float[])g.Clone();
        ActivationBackward.Apply(applied, y, y.Length, Activation.ReLU);
        GemmShapeTests.AssertSameBits(expected, applied, "ReLU derivative");

        float[] reduced = (float[])g.Clone(), bias = new float[1];
        ActivationBackward.ApplyAndReduceBias(reduced, y, bias, y.Length, 1, Activation.ReLU);
        GemmShapeTests.AssertSameBits(expected, reduced, "ReLU derivative with the bias gradient");
    }

    /// <summary>
    /// dL/dx and dL/db of <c>L = Σ r ⊙ act(x + b)</c> (b broadcast over rows), the forward evaluated in double, against
    /// the kernel applied to <c>r</c> with <c>y = act(x)</c>.
    /// </summary>
    [Theory]
    [InlineData(Activation.None)]
    [InlineData(Activation.ReLU)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Tanh)]
    public void GradientsMatchFiniteDifferences(Activation activation)
    {
        const int Rows = 7, Cols = 33;
        float[] x = PreActivations(Rows * Cols, seed: 21);
        float[] bias = new float[Cols];
        float[] r = KernelReference.Random(Rows * Cols, seed: 22);
        double Loss()
        {
            double sum = 0;
            for (int i = 0; i < x.Length; i++)
            {
                sum += r[i] * KernelReference.Activate((double)x[i] + bias[i % Cols], activation);
            }

            return sum;
        }

        float[] gradient = (float[])r.Clone();
        float[] biasGradient = new float[Cols];
        ActivationBackward.ApplyAndReduceBias(gradient, Outputs(x, activation), biasGradient, Rows, Cols, activation);

        GradientCheck.AssertGradientMatches(Loss, x, gradient, "x", eps: 1e-3, maxElements: 300);
        GradientCheck.AssertGradientMatches(Loss, bias, biasGradient, "bias", eps: 1e-3);
    }

    [Fact]
    public void Validation_NamesTheArgument()
    {
        float[] g = new float[6], y = new float[6], b = new float[3];
        Assert.Equal("gradient", Assert.Throws<ArgumentException>(() => ActivationBackward.ApplyAndReduceBias(g.AsSpan(0, 5), y, b, 2, 3, Activation.Tanh)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => ActivationBackward.ApplyAndReduceBias(g, y.AsSpan(0, 5), b, 2, 3, Activation.Tanh)).ParamName);
        Assert.Equal("biasGradient", Assert.Throws<ArgumentException>(() => ActivationBackward.ApplyAndReduceBias(g, y, b.AsSpan(0, 2), 2, 3, Activation.Tanh)).ParamName);
        Assert.Equal("rows", Assert.Throws<ArgumentOutOfRangeException>(() => ActivationBackward.ApplyAndReduceBias(g, y, b, -2, 3, Activation.Tanh)).ParamName);
        Assert.Equal("cols", Assert.Throws<ArgumentOutOfRangeException>(() => ActivationBackward.ApplyAndReduceBias(g, y, b, 2, 0, Activation.Tanh)).ParamName);
        Assert.Equal("activation", Assert.Throws<ArgumentOutOfRangeException>(() => ActivationBackward.ApplyAndReduceBias(g, y, b, 2, 3, (Activation)(-1))).ParamName);
        Assert.Equal("gradient", Assert.Throws<ArgumentException>(() => ActivationBackward.Apply(g, y, 7, Activation.ReLU)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => ActivationBackward.Apply(g, y.AsSpan(0, 4), 6, Activation.ReLU)).ParamName);
        Assert.Equal("length", Assert.Throws<ArgumentOutOfRangeException>(() => ActivationBackward.Apply(g, y, -1, Activation.ReLU)).ParamName);
    }

    /// <summary>Pre-activations in ±[0.05, 2): away from ReLU's kink, so finite differences are valid for every activation.</summary>
    internal static float[] PreActivations(int length, ulong seed)
    {
        float[] x = KernelReference.Random(length, seed, 0.05f, 2f);
        var rng = new Rng(seed ^ 0xABCDEF);
        for (int i = 0; i < x.Length; i++)
        {
            if (rng.NextInt32(2) == 0)
            {
                x[i] = -x[i];
            }
        }

        return x;
    }

    /// <summary><c>y = act(x)</c>, rounded to float from double.</summary>
    internal static float[] Outputs(float[] x, Activation activation)
    {
        float[] y = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = (float)KernelReference.Activate(x[i], activation);
        }

        return y;
    }

    private static double YDerivative(double y, Activation activation) => activation switch
    {
        Activation.None => 1,
        Activation.ReLU => y > 0 ? 1 : 0,
        Activation.Sigmoid => y * (1 - y),
        _ => 1 - (y * y),
    };
}
