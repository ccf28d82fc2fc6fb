using System;
using System.Linq;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// A norm with a fused activation (the compiler's epilogue rule) gives the same bits as the norm followed by the
/// activation kernel, forward and backward, for LayerNorm and BatchNorm; an activation the output cannot
/// differentiate is refused; and LayerNorm's backward pass checks its parameter gradients before writing.
/// </summary>
public sealed class NormEpilogueTests
{
    public static TheoryData<Activation, int, int> Cases()
    {
        var data = new TheoryData<Activation, int, int>();
        foreach (Activation activation in new[] { Activation.ReLU, Activation.Sigmoid, Activation.Tanh })
        {
            foreach ((int rows, int cols) in new[] { (2, 1), (7, 33), (33, 7) })
            {
                data.Add(activation, rows, cols);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LayerNormWithAnEpilogue_IsTheNormThenTheActivation_BitForBit(Activation activation, int rows, int cols)
    {
        (float[] x, float[] weight, float[] bias, float[] dy) = Data(rows, cols, seed: 3);
        float[] fused = new float[rows * cols];
        float[] mean = new float[rows];
        float[] rstd = new float[rows];
        global::StaticGrad.Kernels.LayerNorm.Forward(x, weight, bias, fused, mean, rstd, rows, cols, 1e-5f, activation);

        float[] separate = new float[rows * cols];
        global::StaticGrad.Kernels.LayerNorm.Forward(x, weight, bias, separate, mean, rstd, rows, cols, 1e-5f);
        ElementwiseActivation.Forward(separate, separate, separate.Length, activation, 0f, 0f);
        Assert.Equal(Bits(separate), Bits(fused));

        float[] fusedGradient = (float[])dy.Clone();
        float[] weightGradient = new float[cols];
        float[] biasGradient = new float[cols];
        global::StaticGrad.Kernels.LayerNorm.Backward(fusedGradient, x, mean, rstd, weight, weightGradient, biasGradient, rows, cols, fused, activation);

        float[] separateGradient = (float[])dy.Clone();
        float[] separateWeightGradient = new float[cols];
        float[] separateBiasGradient = new float[cols];
        ActivationBackward.Apply(separateGradient, separate, separateGradient.Length, activation);
        global::StaticGrad.Kernels.LayerNorm.Backward(separateGradient, x, mean, rstd, weight, separateWeightGradient, separateBiasGradient, rows, cols);
        Assert.Equal(Bits(separateGradient), Bits(fusedGradient));
        Assert.Equal(Bits(separateWeightGradient), Bits(weightGradient));
        Assert.Equal(Bits(separateBiasGradient), Bits(biasGradient));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BatchNormWithAnEpilogue_IsTheNormThenTheActivation_BitForBit(Activation activation, int rows, int cols)
    {
        (float[] x, float[] weight, float[] bias, float[] dy) = Data(rows, cols, seed: 5);
        float[] fused = new float[rows * cols];
        float[] mean = new float[cols];
        float[] rstd = new float[cols];
        BatchNorm.ForwardTraining(x, weight, bias, fused, mean, rstd, Span<float>.Empty, Span<float>.Empty, Span<long>.Empty, rows, cols, 1, 1e-5f, 0.1f, activation);

        float[] separate = new float[rows * cols];
        BatchNorm.ForwardTraining(x, weight, bias, separate, mean, rstd, Span<float>.Empty, Span<float>.Empty, Span<long>.Empty, rows, cols, 1, 1e-5f, 0.1f);
        ElementwiseActivation.Forward(separate, separate, separate.Length, activation, 0f, 0f);
        Assert.Equal(Bits(separate), Bits(fused));

        float[] running = Enumerable.Range(0, cols).Select(i => 0.1f * i).ToArray();
        float[] variance = Enumerable.Range(0, cols).Select(i => 1f + (0.05f * i)).ToArray();
        float[] fusedEval = new float[rows * cols];
        BatchNorm.ForwardInference(x, weight, bias, fusedEval, running, variance, rows, cols, 1, 1e-5f, activation);
        float[] separateEval = new float[rows * cols];
        BatchNorm.ForwardInference(x, weight, bias, separateEval, running, variance, rows, cols, 1, 1e-5f);
        ElementwiseActivation.Forward(separateEval, separateEval, separateEval.Length, activation, 0f, 0f);
        Assert.Equal(Bits(separateEval), Bits(fusedEval));

        float[] fusedGradient = (float[])dy.Clone();
        float[] weightGradient = new float[cols];
        float[] biasGradient = new float[cols];
        BatchNorm.Backward(fusedGradient, x, mean, rstd, weight, weightGradient, biasGradient, rows, cols, 1, fused, activation);

        float[] separateGradient = (float[])dy.Clone();
        float[] separateWeightGradient = new float[cols];
        float[] separateBiasGradient = new float[cols];
        ActivationBackward.Apply(separateGradient, separate, separateGradient.Length, activation);
        BatchNorm.Backward(separateGradient, x, mean, rstd, weight, separateWeightGradient, separateBiasGradient, rows, cols, 1);
        Assert.Equal(Bits(separateGradient), Bits(fusedGradient));
        Assert.Equal(Bits(separateWeightGradient), Bits(weightGradient));
        Assert.Equal(Bits(separateBiasGradient), Bits(biasGradient));
    }

    [Fact]
    public void AnActivationTheOutputCannotDifferentiate_IsRefused_AndAMissingOutputIsNamed()
    {
        (float[] x, float[] weight, float[] bias, float[] dy) = Data(4, 3, seed: 7);
        float[] y = new float[12];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => global::StaticGrad.Kernels.LayerNorm.Forward(x, weight, bias, y, new float[4], new float[4], 4, 3, 1e-5f, Activation.GELU));
        Assert.Equal("activation", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchNorm.ForwardInference(x, weight, bias, y, Span<float>.Empty, Span<float>.Empty, 4, 3, 1, 1e-5f, Activation.SiLU));
        var missing = Assert.Throws<ArgumentException>(() => BatchNorm.Backward(dy, x, new float[3], new float[3], weight, new float[3], new float[3], 4, 3, 1, ReadOnlySpan<float>.Empty, Activation.ReLU));
        Assert.Equal("output", missing.ParamName);
    }

    [Fact]
    public void LayerNormBackward_AShortParameterGradient_IsRefusedWithOrWithoutAWeight_BeforeAnythingIsWritten()
    {
        // Without a weight the gradients were checked only when the weight was given, and the loop then wrote past them;
        // with one, a short bias gradient was found after the weight gradient had been cleared.
        float[] gradient = [1f, 2f, 3f, 4f];
        float[] input = [4f, 3f, 2f, 1f];
        float[] short1 = [7f];
        var e = Assert.Throws<ArgumentException>(() => global::StaticGrad.Kernels.LayerNorm.Backward(gradient, input, new float[1], [1f], [], short1, [], 1, 4));
        Assert.Equal("weightGradient", e.ParamName);
        Assert.Contains("Expected at least 4 elements (cols = 4) or none, got 1.", e.Message, StringComparison.Ordinal);
        Assert.Equal("biasGradient", Assert.Throws<ArgumentException>(() => global::StaticGrad.Kernels.LayerNorm.Backward(gradient, input, new float[1], [1f], [], [], short1, 1, 4)).ParamName);
        float[] weightGradient = [5f, 5f, 5f, 5f];
        Assert.Equal("biasGradient", Assert.Throws<ArgumentException>(() => global::StaticGrad.Kernels.LayerNorm.Backward(gradient, input, new float[1], [1f], [1f, 1f, 1f, 1f], weightGradient, short1, 1, 4)).ParamName);
        Assert.Equal([1f, 2f, 3f, 4f], gradient);
        Assert.Equal([7f], short1);
        Assert.Equal([5f, 5f, 5f, 5f], weightGradient);
    }

    private static (float[] X, float[] Weight, float[] Bias, float[] Dy) Data(int rows, int cols, int seed)
    {
        var rng = new Rng((ulong)seed);
        float[] Draw(int n, float low, float high) => Enumerable.Range(0, n).Select(_ => rng.NextSingle(low, high)).ToArray();
        return (Draw(rows * cols, -2f, 2f), Draw(cols, 0.5f, 1.5f), Draw(cols, -0.5f, 0.5f), Draw(rows * cols, -1f, 1f));
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
