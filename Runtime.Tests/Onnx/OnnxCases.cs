using System;
using System.Collections.Generic;
using System.Linq;
using StaticGrad.Kernels;
using StaticGrad.Models;
using StaticGrad.Onnx;
using Xunit;

namespace StaticGrad.Runtime.Tests.Onnx;

/// <summary>
/// Graphs built with <see cref="OnnxGraphBuilder"/>, one per op and option (every activation, norms with and without
/// affine parameters and running statistics, convolutions with padding, stride, dilation and groups, pools with
/// padding), two chains (a small CNN and the seed MLP from its <c>state_dict</c>), each with the output of the
/// runtime's own kernels on a random input.
/// </summary>
internal static class OnnxCases
{
    private const int Batch = 3;

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (OnnxCase c in All())
        {
            data.Add(c.Name);
        }

        return data;
    }

    public static OnnxCase Get(string name) => All().Single(c => c.Name == name);

    public static IEnumerable<OnnxCase> All()
    {
        foreach (Activation activation in Enum.GetValues<Activation>())
        {
            yield return Linear(activation, bias: true);
        }

        yield return Linear(Activation.None, bias: false);
        yield return RowOp("softmax", (b, x) => b.Softmax(x), Kernels.Softmax.Rows);
        yield return RowOp("logsoftmax", (b, x) => b.LogSoftmax(x), Kernels.LogSoftmax.Rows);
        yield return LayerNormCase(affine: true);
        yield return LayerNormCase(affine: false);
        yield return BatchNormCase("batchnorm1d", channels: 6, height: 1, width: 1, affine: true, running: true);
        yield return BatchNormCase("batchnorm1d_noaffine", channels: 6, height: 1, width: 1, affine: false, running: true);
        yield return BatchNormCase("batchnorm1d_batchstats", channels: 6, height: 1, width: 1, affine: true, running: false);
        yield return BatchNormCase("batchnorm2d", channels: 4, height: 5, width: 3, affine: true, running: true);
        yield return BatchNormCase("batchnorm2d_batchstats_noaffine", channels: 4, height: 5, width: 3, affine: false, running: false);
        yield return AddConcat();
        yield return ConvCase("conv_k3_p1", 3, 7, 6, 5, (3, 3), (1, 1), (1, 1), (1, 1), 1, bias: true);
        yield return ConvCase("conv_rect_stride2_dilation2", 2, 9, 8, 4, (3, 2), (2, 1), (1, 0), (2, 1), 1, bias: true);
        yield return ConvCase("conv_groups2_nobias", 4, 6, 6, 6, (3, 3), (1, 1), (1, 1), (1, 1), 2, bias: false);
        yield return ConvCase("conv_pointwise", 5, 4, 4, 3, (1, 1), (1, 1), (0, 0), (1, 1), 1, bias: true);
        yield return PoolCase("maxpool_k3_s2_p1", max: true, 3, 7, 6, (3, 3), (2, 2), (1, 1), (1, 1));
        yield return PoolCase("maxpool_k2", max: true, 2, 6, 6, (2, 2), (2, 2), (0, 0), (1, 1));
        yield return PoolCase("maxpool_dilation2", max: true, 2, 8, 7, (3, 3), (1, 2), (1, 1), (2, 2));
        yield return PoolCase("avgpool_k3_s2_p1", max: false, 3, 7, 6, (3, 3), (2, 2), (1, 1), (1, 1));
        yield return PoolCase("avgpool_k2", max: false, 2, 6, 6, (2, 2), (2, 2), (0, 0), (1, 1));
        yield return PoolCase("maxpool_k2_ceil", max: true, 2, 7, 5, (2, 2), (2, 2), (0, 0), (1, 1), ceilMode: true);
        yield return PoolCase("maxpool_k3_s2_p1_ceil", max: true, 2, 8, 10, (3, 3), (2, 2), (1, 1), (1, 1), ceilMode: true);
        yield return PoolCase("avgpool_k3_s2_p1_ceil", max: false, 2, 8, 10, (3, 3), (2, 2), (1, 1), (1, 1), ceilMode: true);
        yield return PoolCase("avgpool_k3_s3_ceil", max: false, 2, 7, 8, (3, 3), (3, 3), (0, 0), (1, 1), ceilMode: true);
        yield return PoolCase("avgpool_k3_s2_p1_ceil_exclude_pad", max: false, 2, 8, 10, (3, 3), (2, 2), (1, 1), (1, 1), ceilMode: true, countIncludePad: false);

        // PyTorch drops a last window that would start in the trailing padding; ONNX's own ceil_mode would keep it.
        yield return PoolCase("maxpool_k4_p2_ceil_dropped_window", max: true, 2, 9, 10, (4, 4), (4, 4), (2, 2), (1, 1), ceilMode: true);
        yield return PoolCase("maxpool_k3_s3_p1_d2_ceil", max: true, 2, 11, 13, (3, 3), (3, 3), (1, 1), (2, 2), ceilMode: true);
        yield return PoolCase("avgpool_k4_p2_ceil_dropped_window", max: false, 2, 9, 10, (4, 4), (4, 4), (2, 2), (1, 1), ceilMode: true);
        yield return PoolCase("avgpool_k4_p2_ceil_dropped_window_exclude_pad", max: false, 2, 9, 10, (4, 4), (4, 4), (2, 2), (1, 1), ceilMode: true, countIncludePad: false);
        yield return AvgPoolExcludingPadding();
        yield return GlobalPoolFlatten();
        yield return AdaptivePoolCase("adaptiveavgpool_7x6_to_3x4", 3, 7, 6, 3, 4);
        yield return AdaptivePoolCase("adaptiveavgpool_3x5_to_7x4", 2, 3, 5, 7, 4);
        yield return AdaptivePoolCase("adaptiveavgpool_8x6_to_4x3", 2, 8, 6, 4, 3);
        yield return SmallCnn();
        yield return SeedModel();
    }

    private static float[] Random(int count, ulong seed, float scale = 1f)
    {
        var rng = new Rng(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = rng.NextSingle(-scale, scale);
        }

        return values;
    }

    private static float Alpha(Activation activation) => activation switch
    {
        Activation.LeakyReLU => 0.1f,
        Activation.ELU => 0.7f,
        Activation.Softplus => 2f,
        _ => 0f,
    };

    private static OnnxCase Linear(Activation activation, bool bias)
    {
        const int In = 7, Out = 5;
        float[] x = Random(Batch * In, 1, 2f), w = Random(Out * In, 2, 0.6f), b = bias ? Random(Out, 3) : new float[Out];
        float alpha = Alpha(activation), threshold = 1f;
        var builder = new OnnxGraphBuilder();
        string y = builder.Gemm(builder.Input("x", In), builder.Initializer("w", w, Out, In), bias ? builder.Initializer("b", b, Out) : null);
        builder.Output(builder.Activation(y, activation, alpha, threshold), "y", Out);
        float[] expected = new float[Batch * Out];
        LinearForward.Run(x, w, b, expected, Batch, In, Out, Activation.None);
        ElementwiseActivation.Forward(expected, expected, expected.Length, activation, alpha, threshold);
        string name = bias ? $"linear_{activation.ToString().ToLowerInvariant()}" : "linear_nobias";
        return new OnnxCase(name, builder.ToArray(), x, [Batch, In], expected);
    }

    private static OnnxCase RowOp(string name, Func<OnnxGraphBuilder, string, string> op, SpanAction rows)
    {
        const int Cols = 6;
        float[] x = Random(Batch * Cols, 4, 3f);
        var builder = new OnnxGraphBuilder();
        builder.Output(op(builder, builder.Input("x", Cols)), "y", Cols);
        float[] expected = x.ToArray();
        rows(expected, Batch, Cols);
        return new OnnxCase(name, builder.ToArray(), x, [Batch, Cols], expected);
    }

    private delegate void SpanAction(Span<float> values, int rows, int cols);

    private static OnnxCase LayerNormCase(bool affine)
    {
        const int Cols = 8;
        const float Eps = 1e-5f;
        float[] x = Random(Batch * Cols, 5, 2f), w = affine ? Random(Cols, 6) : [], b = affine ? Random(Cols, 7) : [];
        var builder = new OnnxGraphBuilder();
        string input = builder.Input("x", Cols);
        builder.Output(builder.LayerNormalization(input, Cols, affine ? builder.Initializer("norm.weight", w, Cols) : null, affine ? builder.Initializer("norm.bias", b, Cols) : null, Eps), "y", Cols);
        float[] expected = new float[x.Length];
        Kernels.LayerNorm.Forward(x, w, b, expected, [], [], Batch, Cols, Eps);
        return new OnnxCase(affine ? "layernorm" : "layernorm_noaffine", builder.ToArray(), x, [Batch, Cols], expected);
    }

    private static OnnxCase BatchNormCase(string name, int channels, int height, int width, bool affine, bool running)
    {
        const float Eps = 1e-3f;
        int inner = height * width;
        bool image = inner > 1;
        float[] x = Random(Batch * channels * inner, 8, 2f);
        float[] w = affine ? Random(channels, 9) : [], b = affine ? Random(channels, 10) : [];
        float[] mean = running ? Random(channels, 11, 0.5f) : [], variance = running ? Random(channels, 12, 0.5f).Select(v => v + 0.6f).ToArray() : [];
        var builder = new OnnxGraphBuilder();
        int[] shape = image ? [channels, height, width] : [channels];
        string input = builder.Input("x", shape);
        string? weight = affine ? builder.Initializer("bn.weight", w, channels) : null;
        string? bias = affine ? builder.Initializer("bn.bias", b, channels) : null;
        string y = running
            ? builder.BatchNormalization(input, channels, weight, bias, builder.Initializer("bn.running_mean", mean, channels), builder.Initializer("bn.running_var", variance, channels), Eps)
            : builder.BatchNormalizationWithBatchStatistics(input, image ? 4 : 2, weight, bias, Eps);
        builder.Output(y, "y", shape);
        float[] expected = new float[x.Length];
        BatchNorm.ForwardInference(x, w, b, expected, mean, variance, Batch, channels, inner, Eps);
        return new OnnxCase(name, builder.ToArray(), x, [Batch, .. shape.Select(d => (long)d)], expected);
    }

    private static OnnxCase AddConcat()
    {
        const int In = 6;
        float[] x = Random(Batch * In, 13), wa = Random(In * In, 14, 0.5f), ba = Random(In, 15), wb = Random(In * In, 16, 0.5f), bb = Random(In, 17);
        var builder = new OnnxGraphBuilder();
        string input = builder.Input("x", In);
        string a = builder.Gemm(input, builder.Initializer("a.weight", wa, In, In), builder.Initializer("a.bias", ba, In));
        string bOut = builder.Gemm(input, builder.Initializer("b.weight", wb, In, In), builder.Initializer("b.bias", bb, In));
        builder.Output(builder.Concat(1, builder.Add(a, bOut), input), "y", 2 * In);
        float[] ya = new float[Batch * In], yb = new float[Batch * In], sum = new float[Batch * In], expected = new float[Batch * 2 * In];
        LinearForward.Run(x, wa, ba, ya, Batch, In, In, Activation.None);
        LinearForward.Run(x, wb, bb, yb, Batch, In, In, Activation.None);
        Elementwise.Add(ya, yb, sum, sum.Length);
        Kernels.Concat.Forward(sum, In, x, In, expected, Batch);
        return new OnnxCase("add_concat", builder.ToArray(), x, [Batch, In], expected);
    }

    private static int OutSize(int size, int kernel, int stride, int padding, int dilation) => ((size + (2 * padding) - (dilation * (kernel - 1)) - 1) / stride) + 1;

    private static OnnxCase ConvCase(string name, int channels, int height, int width, int outChannels, (int H, int W) k, (int H, int W) s, (int H, int W) p, (int H, int W) d, int groups, bool bias)
    {
        float[] x = Random(Batch * channels * height * width, 18, 2f);
        float[] w = Random(outChannels * (channels / groups) * k.H * k.W, 19, 0.5f), b = bias ? Random(outChannels, 20) : [];
        int oh = OutSize(height, k.H, s.H, p.H, d.H), ow = OutSize(width, k.W, s.W, p.W, d.W);
        var builder = new OnnxGraphBuilder();
        string input = builder.Input("x", channels, height, width);
        string weight = builder.Initializer("conv.weight", w, outChannels, channels / groups, k.H, k.W);
        builder.Output(builder.Conv(input, weight, bias ? builder.Initializer("conv.bias", b, outChannels) : null, k, s, p, d, groups), "y", outChannels, oh, ow);
        float[] expected = new float[Batch * outChannels * oh * ow];
        float[] workspace = new float[Kernels.Conv2d.WorkspaceFloats(channels, height, width, outChannels, k.H, k.W, s.H, s.W, p.H, p.W, d.H, d.W, groups, threads: 1)];
        Kernels.Conv2d.Forward(x, w, b, expected, workspace, Batch, channels, height, width, outChannels, k.H, k.W, s.H, s.W, p.H, p.W, d.H, d.W, groups, Activation.None);
        return new OnnxCase(name, builder.ToArray(), x, [Batch, channels, height, width], expected);
    }

    private static OnnxCase PoolCase(
        string name, bool max, int channels, int height, int width, (int H, int W) k, (int H, int W) s, (int H, int W) p, (int H, int W) d, bool ceilMode = false, bool countIncludePad = true)
    {
        float[] x = Random(Batch * channels * height * width, 21, 3f);
        int oh = SlidingWindow.OutputSize(height, k.H, s.H, p.H, d.H, ceilMode), ow = SlidingWindow.OutputSize(width, k.W, s.W, p.W, d.W, ceilMode);
        var builder = new OnnxGraphBuilder();
        string input = builder.Input("x", channels, height, width);
        string y = max
            ? builder.MaxPool(input, k, s, p, d, ceilMode: ceilMode, inputSize: (height, width))
            : builder.AveragePool(input, k, s, p, countIncludePad: countIncludePad, ceilMode: ceilMode, inputSize: (height, width));
        builder.Output(y, "y", channels, oh, ow);
        float[] expected = new float[Batch * channels * oh * ow];
        if (max)
        {
            Kernels.MaxPool2d.Forward(x, expected, new int[expected.Length], Batch, channels, height, width, k.H, k.W, s.H, s.W, p.H, p.W, d.H, d.W, ceilMode);
        }
        else
        {
            Kernels.AvgPool2d.Forward(x, expected, Batch, channels, height, width, k.H, k.W, s.H, s.W, p.H, p.W, countIncludePad, ceilMode);
        }

        return new OnnxCase(name, builder.ToArray(), x, [Batch, channels, height, width], expected);
    }

    /// <summary>
    /// <see cref="OnnxGraphBuilder.AdaptiveAveragePool"/> against <see cref="Kernels.AdaptiveAvgPool2d"/>: two MatMuls when a
    /// size does not divide (overlapping, or larger than the input), <c>AveragePool</c> when both do.
    /// </summary>
    private static OnnxCase AdaptivePoolCase(string name, int channels, int height, int width, int outHeight, int outWidth)
    {
        float[] x = Random(Batch * channels * height * width, 34, 2f);
        var builder = new OnnxGraphBuilder();
        builder.Output(builder.AdaptiveAveragePool(builder.Input("x", channels, height, width), (height, width), (outHeight, outWidth)), "y", channels, outHeight, outWidth);
        float[] expected = new float[Batch * channels * outHeight * outWidth];
        Kernels.AdaptiveAvgPool2d.Forward(x, expected, Batch, channels, height, width, outHeight, outWidth);
        return new OnnxCase(name, builder.ToArray(), x, [Batch, channels, height, width], expected);
    }

    /// <summary><c>AveragePool(count_include_pad=0)</c> against <see cref="Kernels.AvgPool2d"/> with <c>countIncludePad: false</c>.</summary>
    private static OnnxCase AvgPoolExcludingPadding()
    {
        const int Channels = 3, Height = 7, Width = 6;
        float[] x = Random(Batch * Channels * Height * Width, 35, 2f);
        var builder = new OnnxGraphBuilder();
        builder.Output(builder.AveragePool(builder.Input("x", Channels, Height, Width), (3, 3), (2, 2), (1, 1), countIncludePad: false), "y", Channels, 4, 3);
        float[] expected = new float[Batch * Channels * 4 * 3];
        Kernels.AvgPool2d.Forward(x, expected, Batch, Channels, Height, Width, 3, 3, 2, 2, 1, 1, countIncludePad: false);
        return new OnnxCase("avgpool_k3_s2_p1_exclude_pad", builder.ToArray(), x, [Batch, Channels, Height, Width], expected);
    }

    private static OnnxCase GlobalPoolFlatten()
    {
        const int Channels = 5, Height = 4, Width = 6;
        float[] x = Random(Batch * Channels * Height * Width, 22, 2f);
        var builder = new OnnxGraphBuilder();
        builder.Output(builder.Flatten(builder.GlobalAveragePool(builder.Input("x", Channels, Height, Width))), "y", Channels);
        float[] expected = new float[Batch * Channels];
        Kernels.GlobalAvgPool2d.Forward(x, expected, Batch, Channels, Height, Width);
        return new OnnxCase("globalavgpool_flatten", builder.ToArray(), x, [Batch, Channels, Height, Width], expected);
    }

    /// <summary>
    /// Flat pixels -> Reshape [1, 12, 12] -> Conv(4, k3, p1) -> BatchNorm2d -> ReLU -> MaxPool(2) -> Dropout (identity)
    /// -> Conv(6, k3, groups 2) + ReLU -> GlobalAveragePool -> Flatten -> Linear(6, 5) -> LogSoftmax, against the
    /// kernels chained the same way.
    /// </summary>
    private static OnnxCase SmallCnn()
    {
        const int Side = 12, C1 = 4, C2 = 6, Classes = 5;
        const float Eps = 1e-5f;
        float[] x = Random(Batch * Side * Side, 23, 1f);
        float[] w1 = Random(C1 * 9, 24, 0.5f), b1 = Random(C1, 25), g = Random(C1, 26), beta = Random(C1, 27), mean = Random(C1, 28, 0.3f);
        float[] variance = Random(C1, 29, 0.3f).Select(v => v + 0.8f).ToArray();
        float[] w2 = Random(C2 * (C1 / 2) * 9, 30, 0.5f), b2 = Random(C2, 31), w3 = Random(Classes * C2, 32), b3 = Random(Classes, 33);

        var builder = new OnnxGraphBuilder("SmallCnn");
        string t = builder.Reshape(builder.Input("pixels", Side * Side), 1, Side, Side);
        t = builder.Conv(t, builder.Initializer("conv1.weight", w1, C1, 1, 3, 3), builder.Initializer("conv1.bias", b1, C1), (3, 3), (1, 1), (1, 1), (1, 1));
        t = builder.BatchNormalization(t, C1, builder.Initializer("bn1.weight", g, C1), builder.Initializer("bn1.bias", beta, C1), builder.Initializer("bn1.running_mean", mean, C1), builder.Initializer("bn1.running_var", variance, C1), Eps);
        t = builder.Relu(t);
        t = builder.Identity(builder.MaxPool(t, (2, 2), (2, 2), (0, 0), (1, 1)));
        t = builder.Relu(builder.Conv(t, builder.Initializer("conv2.weight", w2, C2, C1 / 2, 3, 3), builder.Initializer("conv2.bias", b2, C2), (3, 3), (1, 1), (0, 0), (1, 1), groups: 2));
        t = builder.Flatten(builder.GlobalAveragePool(t));
        t = builder.LogSoftmax(builder.Gemm(t, builder.Initializer("fc.weight", w3, Classes, C2), builder.Initializer("fc.bias", b3, Classes)));
        builder.Output(t, "log_probabilities", Classes);

        float[] a1 = new float[Batch * C1 * Side * Side];
        Kernels.Conv2d.Forward(x, w1, b1, a1, new float[Kernels.Conv2d.WorkspaceFloats(1, Side, Side, C1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1)], Batch, 1, Side, Side, C1, 3, 3, 1, 1, 1, 1, 1, 1, 1, Activation.None);
        BatchNorm.ForwardInference(a1, g, beta, a1, mean, variance, Batch, C1, Side * Side, Eps, Activation.ReLU);
        float[] a2 = new float[Batch * C1 * 6 * 6];
        Kernels.MaxPool2d.Forward(a1, a2, new int[a2.Length], Batch, C1, Side, Side, 2, 2, 2, 2, 0, 0, 1, 1);
        float[] a3 = new float[Batch * C2 * 4 * 4];
        Kernels.Conv2d.Forward(a2, w2, b2, a3, new float[Kernels.Conv2d.WorkspaceFloats(C1, 6, 6, C2, 3, 3, 1, 1, 0, 0, 1, 1, 2, 1)], Batch, C1, 6, 6, C2, 3, 3, 1, 1, 0, 0, 1, 1, 2, Activation.ReLU);
        float[] a4 = new float[Batch * C2];
        Kernels.GlobalAvgPool2d.Forward(a3, a4, Batch, C2, 4, 4);
        float[] expected = new float[Batch * Classes];
        LinearForward.Run(a4, w3, b3, expected, Batch, C2, Classes, Activation.None);
        Kernels.LogSoftmax.Rows(expected, Batch, Classes);
        return new OnnxCase("small_cnn", builder.ToArray(), x, [Batch, Side * Side], expected);
    }

    /// <summary>The seed model from its <c>state_dict</c> (<see cref="OnnxGraphBuilder.AddStateDict"/>), against the generated model's own logits.</summary>
    private static OnnxCase SeedModel()
    {
        var model = new MnistClassifier128(seed: 3, maxBatch: Batch);
        var builder = new OnnxGraphBuilder(nameof(MnistClassifier128));
        builder.AddStateDict(model.Parameters);
        string t = builder.Relu(builder.Gemm(builder.Input("input", 784), "fc1.weight", "fc1.bias"));
        builder.Output(builder.Gemm(t, "fc2.weight", "fc2.bias"), "logits", 10);
        float[] x = Random(Batch * 784, 34).Select(v => (v + 1f) / 2f).ToArray();
        float[] expected = new float[Batch * 10];
        model.Forward(x, expected, Batch);
        return new OnnxCase("mnist128_state_dict", builder.ToArray(), x, [Batch, 784], expected);
    }
}
