using System;
using System.Linq;
using System.Text.Json;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// The convolution and pooling kernels, and <see cref="BatchNorm"/> with <c>inner = H·W</c> as <c>nn.BatchNorm2d</c>, against
/// PyTorch 1.13 (<c>Golden/conv.json</c>, written by <c>scripts/golden_conv.py</c>): forward results and the gradients
/// autograd gives for the same upstream gradient.
/// </summary>
public sealed class ConvGoldenTests
{
    private static readonly GoldenFile Golden = new("conv.json");

    public static TheoryData<string> Cases() => Golden.CaseNames();

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        JsonElement c = Golden.Case(name);
        switch (c.GetProperty("kind").GetString())
        {
            case "conv2d":
                Conv(c);
                break;
            case "max_pool2d":
                MaxPool(c);
                break;
            case "avg_pool2d":
                AvgPool(c);
                break;
            case "global_avg":
                GlobalAvg(c);
                break;
            case "adaptive_avg":
                AdaptiveAvg(c);
                break;
            case "batch_norm2d":
                BatchNorm2d(c);
                break;
            case "zero_pad2d":
                ZeroPad(c);
                break;
            case "group_norm":
                GroupNorm(c);
                break;
            case "conv_transpose2d":
                ConvTranspose(c);
                break;
            case "upsample_nearest":
                UpsampleNearest(c);
                break;
            case "upsample_bilinear":
                UpsampleBilinear(c);
                break;
            case "adaptive_max_pool2d":
                AdaptiveMaxPool(c);
                break;
            case "upsample_nearest_size":
            case "upsample_bilinear_size":
                UpsampleToSize(c);
                break;
            case "reflect_pad2d":
            case "replicate_pad2d":
            case "circular_pad2d":
                EdgePad(c);
                break;
            default:
                Assert.Fail($"Unknown kind in {name}.");
                break;
        }
    }

    private static void Conv(JsonElement c)
    {
        int[] k = Ints(c, "kernel"), stride = Ints(c, "stride"), padding = Ints(c, "padding"), dilation = Ints(c, "dilation");
        var s = new ConvShape(
            Int(c, "batch"), Int(c, "in_channels"), Int(c, "height"), Int(c, "width"), Int(c, "out_channels"), k[0], k[1],
            stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1], Int(c, "groups"));
        Assert.Equal(Ints(c, "out_shape"), new[] { s.Batch, s.Out, s.OutHeight, s.OutWidth });
        float[] x = Floats(c, "x"), w = Floats(c, "w"), b = Floats(c, "b"), dy = Floats(c, "dy");
        bool relu = c.GetProperty("relu").GetBoolean();
        float[] workspace = new float[s.WorkspaceFloats(2)];
        float[] y = new float[s.OutputLength];
        Activation activation = relu ? Activation.ReLU : Activation.None;
        s.Forward(x, w, b, y, workspace, activation);

        // Winograd's sums (Conv2dWinograd) round further from the exact ones than the direct sums: a few float32 roundings
        // of the terms' magnitude (Conv2dWinogradTests bounds it), 2.1e-6 of the largest output in conv_lenet2_winograd.
        bool winograd = Conv2dWinograd.Applies(s.Geometry, s.Batch, activation);
        // The cases named *_winograd, and only those, take that path: the looser tolerance is theirs alone.
        Assert.Equal(c.GetProperty("name").GetString()!.EndsWith("_winograd", StringComparison.Ordinal), winograd);
        AssertClose(Floats(c, "y"), y, "y", winograd ? 1e-5 : 2e-6);

        float[] g = (float[])dy.Clone();
        if (relu)
        {
            ActivationBackward.Apply(g, y, g.Length, Activation.ReLU);
        }

        float[] dx = new float[s.InputLength], dw = new float[s.WeightLength], db = new float[b.Length];
        s.BackwardData(g, w, dx, workspace);
        s.BackwardWeight(g, x, dw, db, workspace);
        AssertClose(Floats(c, "dx"), dx, "dx");
        AssertClose(Floats(c, "dw"), dw, "dw");
        AssertClose(Floats(c, "db"), db, "db");
    }

    private static void MaxPool(JsonElement c)
    {
        (int n, int ch, int h, int w, int[] k, int[] stride, int[] padding) = Window(c);
        int[] dilation = Ints(c, "dilation");
        float[] x = Floats(c, "x");
        int[] outShape = Ints(c, "out_shape");
        float[] y = new float[outShape.Aggregate(1, (a, v) => a * v)];
        int[] indices = new int[y.Length];
        bool ceilMode = CeilMode(c);
        Kernels.MaxPool2d.Forward(x, y, indices, n, ch, h, w, k[0], k[1], stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1], ceilMode);
        Assert.Equal(Floats(c, "y"), y);
        Assert.Equal(Ints(c, "indices"), indices);
        float[] dx = new float[x.Length];
        Kernels.MaxPool2d.Backward(Floats(c, "dy"), indices, dx, n, ch, h, w, k[0], k[1], stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1], ceilMode);
        AssertClose(Floats(c, "dx"), dx, "dx");
    }

    private static void AvgPool(JsonElement c)
    {
        (int n, int ch, int h, int w, int[] k, int[] stride, int[] padding) = Window(c);
        float[] x = Floats(c, "x");
        int[] outShape = Ints(c, "out_shape");
        bool countIncludePad = !c.TryGetProperty("count_include_pad", out JsonElement include) || include.GetBoolean();
        bool ceilMode = CeilMode(c);
        float[] y = new float[outShape.Aggregate(1, (a, v) => a * v)];
        Kernels.AvgPool2d.Forward(x, y, n, ch, h, w, k[0], k[1], stride[0], stride[1], padding[0], padding[1], countIncludePad, ceilMode);
        AssertClose(Floats(c, "y"), y, "y");
        float[] dx = new float[x.Length];
        Kernels.AvgPool2d.Backward(Floats(c, "dy"), dx, n, ch, h, w, k[0], k[1], stride[0], stride[1], padding[0], padding[1], countIncludePad, ceilMode);
        AssertClose(Floats(c, "dx"), dx, "dx");
    }

    /// <summary>Exact: padding copies values and writes zeros, both ways.</summary>
    private static void ZeroPad(JsonElement c)
    {
        int n = Int(c, "batch"), ch = Int(c, "channels"), h = Int(c, "height"), w = Int(c, "width");
        int[] pad = Ints(c, "padding"), outShape = Ints(c, "out_shape");
        Assert.Equal(outShape[2..], new[] { Kernels.ZeroPad2d.PaddedSize(h, w, pad[0], pad[1], pad[2], pad[3]).Height, Kernels.ZeroPad2d.PaddedSize(h, w, pad[0], pad[1], pad[2], pad[3]).Width });
        float[] x = Floats(c, "x");
        float[] y = new float[outShape.Aggregate(1, (a, v) => a * v)];
        Kernels.ZeroPad2d.Forward(x, y, n, ch, h, w, pad[0], pad[1], pad[2], pad[3]);
        Assert.Equal(Floats(c, "y"), y);
        float[] dx = new float[x.Length];
        Kernels.ZeroPad2d.Backward(Floats(c, "dy"), dx, n, ch, h, w, pad[0], pad[1], pad[2], pad[3]);
        Assert.Equal(Floats(c, "dx"), dx);
    }

    /// <summary>
    /// Exact both ways: the forward pass copies, the backward pass adds in PyTorch's order (output scan order; for
    /// circular padding autograd's sum over F.pad's slices, which these cases' values reproduce bit for bit too).
    /// </summary>
    private static void EdgePad(JsonElement c)
    {
        int n = Int(c, "batch"), ch = Int(c, "channels"), h = Int(c, "height"), w = Int(c, "width");
        int[] pad = Ints(c, "padding"), outShape = Ints(c, "out_shape");
        string kind = c.GetProperty("kind").GetString()!;
        Assert.Equal(outShape, new[] { n, ch, pad[2] + h + pad[3], pad[0] + w + pad[1] });
        float[] x = Floats(c, "x"), dy = Floats(c, "dy");
        float[] y = new float[dy.Length], dx = new float[x.Length];
        switch (kind)
        {
            case "reflect_pad2d":
                Kernels.ReflectionPad2d.Forward(x, y, n, ch, h, w, pad[0], pad[1], pad[2], pad[3]);
                Kernels.ReflectionPad2d.Backward(dy, dx, n, ch, h, w, pad[0], pad[1], pad[2], pad[3]);
                break;
            case "replicate_pad2d":
                Kernels.ReplicationPad2d.Forward(x, y, n, ch, h, w, pad[0], pad[1], pad[2], pad[3]);
                Kernels.ReplicationPad2d.Backward(dy, dx, n, ch, h, w, pad[0], pad[1], pad[2], pad[3]);
                break;
            default:
                Kernels.CircularPad2d.Forward(x, y, n, ch, h, w, pad[0], pad[1], pad[2], pad[3]);
                Kernels.CircularPad2d.Backward(dy, dx, n, ch, h, w, pad[0], pad[1], pad[2], pad[3]);
                break;
        }

        GemmShapeTests.AssertSameBits(Floats(c, "y"), y, "y");
        GemmShapeTests.AssertSameBits(Floats(c, "dx"), dx, "dx");
    }

    private static void GlobalAvg(JsonElement c)
    {
        int n = Int(c, "batch"), ch = Int(c, "channels"), h = Int(c, "height"), w = Int(c, "width");
        float[] x = Floats(c, "x");
        float[] y = new float[n * ch];
        GlobalAvgPool2d.Forward(x, y, n, ch, h, w);
        AssertClose(Floats(c, "y"), y, "y");
        float[] dx = new float[x.Length];
        GlobalAvgPool2d.Backward(Floats(c, "dy"), dx, n, ch, h, w);
        AssertClose(Floats(c, "dx"), dx, "dx");
    }

    /// <summary>PyTorch's bits exactly: the kernel sums and divides as its CPU kernel does (forward and backward).</summary>
    private static void AdaptiveAvg(JsonElement c)
    {
        int n = Int(c, "batch"), ch = Int(c, "channels"), h = Int(c, "height"), w = Int(c, "width");
        int[] shape = Ints(c, "out_shape");
        Assert.Equal(new[] { n, ch }, shape[..2]);
        float[] x = Floats(c, "x");
        float[] y = new float[n * ch * shape[2] * shape[3]];
        Kernels.AdaptiveAvgPool2d.Forward(x, y, n, ch, h, w, shape[2], shape[3]);
        Assert.Equal(Floats(c, "y"), y);
        float[] dx = new float[x.Length];
        Array.Fill(dx, float.NaN);
        Kernels.AdaptiveAvgPool2d.Backward(Floats(c, "dy"), dx, n, ch, h, w, shape[2], shape[3]);
        Assert.Equal(Floats(c, "dx"), dx);
    }

    private static void BatchNorm2d(JsonElement c)
    {
        int n = Int(c, "batch"), ch = Int(c, "channels"), inner = Int(c, "height") * Int(c, "width");
        float[] x = Floats(c, "x"), weight = Floats(c, "weight"), bias = Floats(c, "bias");
        float[] runningMean = Floats(c, "running_mean"), runningVar = Floats(c, "running_var");
        long[] counter = [0];
        float[] y = new float[x.Length], mean = new float[ch], rstd = new float[ch];
        float eps = (float)c.GetProperty("eps").GetDouble(), momentum = (float)c.GetProperty("momentum").GetDouble();
        BatchNorm.ForwardTraining(x, weight, bias, y, mean, rstd, runningMean, runningVar, counter, n, ch, inner, eps, momentum);
        AssertClose(Floats(c, "y"), y, "y");
        AssertClose(Floats(c, "running_mean_after"), runningMean, "running_mean");
        AssertClose(Floats(c, "running_var_after"), runningVar, "running_var");
        Assert.Equal(1L, counter[0]);

        float[] gradient = Floats(c, "dy");
        float[] dweight = new float[weight.Length], dbias = new float[bias.Length];
        BatchNorm.Backward(gradient, x, mean, rstd, weight, dweight, dbias, n, ch, inner);
        AssertClose(Floats(c, "dx"), gradient, "dx");
        AssertClose(Floats(c, "dweight"), dweight, "dweight");
        AssertClose(Floats(c, "dbias"), dbias, "dbias");
    }

    /// <summary>Forward (output and the saved statistics' use) and backward, affine or not, on one and two threads' worth of groups.</summary>
    private static void GroupNorm(JsonElement c)
    {
        int n = Int(c, "batch"), ch = Int(c, "channels"), groups = Int(c, "groups"), plane = Int(c, "height") * Int(c, "width");
        bool affine = c.GetProperty("weight").ValueKind != JsonValueKind.Null;
        float[] x = Floats(c, "x"), weight = affine ? Floats(c, "weight") : [], bias = affine ? Floats(c, "bias") : [];
        float eps = (float)c.GetProperty("eps").GetDouble();
        float[] y = new float[x.Length], mean = new float[n * groups], rstd = new float[n * groups];
        Kernels.GroupNorm.Forward(x, weight, bias, y, mean, rstd, n, ch, groups, plane, eps);
        AssertClose(Floats(c, "y"), y, "y");

        float[] gradient = Floats(c, "dy");
        float[] dweight = new float[weight.Length], dbias = new float[bias.Length];
        Kernels.GroupNorm.Backward(gradient, x, mean, rstd, weight, dweight, dbias, n, ch, groups, plane);
        AssertClose(Floats(c, "dx"), gradient, "dx");
        if (affine)
        {
            AssertClose(Floats(c, "dweight"), dweight, "dweight");
            AssertClose(Floats(c, "dbias"), dbias, "dbias");
        }
    }

    /// <summary>The three passes of a transposed convolution, a fused ReLU's derivative applied to the gradient first.</summary>
    private static void ConvTranspose(JsonElement c)
    {
        int n = Int(c, "batch"), cin = Int(c, "in_channels"), h = Int(c, "height"), w = Int(c, "width"), cout = Int(c, "out_channels"), groups = Int(c, "groups");
        int[] k = Ints(c, "kernel"), s = Ints(c, "stride"), p = Ints(c, "padding"), op = Ints(c, "output_padding"), d = Ints(c, "dilation"), outShape = Ints(c, "out_shape");
        (int oh, int ow) = Kernels.ConvTranspose2d.OutputSize(h, w, k[0], k[1], s[0], s[1], p[0], p[1], op[0], op[1], d[0], d[1]);
        Assert.Equal(outShape, new[] { n, cout, oh, ow });
        float[] x = Floats(c, "x"), weight = Floats(c, "w"), bias = Floats(c, "b");
        bool relu = c.GetProperty("relu").GetBoolean();
        float[] workspace = new float[Kernels.ConvTranspose2d.WorkspaceFloats(cin, h, w, cout, k[0], k[1], s[0], s[1], p[0], p[1], op[0], op[1], d[0], d[1], groups, 2)];
        float[] y = new float[n * cout * oh * ow];
        Kernels.ConvTranspose2d.Forward(x, weight, bias, y, workspace, n, cin, h, w, cout, k[0], k[1], s[0], s[1], p[0], p[1], op[0], op[1], d[0], d[1], groups, relu ? Activation.ReLU : Activation.None);
        AssertClose(Floats(c, "y"), y, "y");
        float[] g = Floats(c, "dy");
        if (relu)
        {
            ActivationBackward.Apply(g, y, g.Length, Activation.ReLU);
        }

        float[] dx = new float[x.Length], dw = new float[weight.Length], db = new float[bias.Length];
        Kernels.ConvTranspose2d.BackwardData(g, weight, dx, workspace, n, cin, h, w, cout, k[0], k[1], s[0], s[1], p[0], p[1], op[0], op[1], d[0], d[1], groups);
        Kernels.ConvTranspose2d.BackwardWeight(g, x, dw, db, workspace, n, cin, h, w, cout, k[0], k[1], s[0], s[1], p[0], p[1], op[0], op[1], d[0], d[1], groups);
        AssertClose(Floats(c, "dx"), dx, "dx");
        AssertClose(Floats(c, "dw"), dw, "dw");
        AssertClose(Floats(c, "db"), db, "db");
    }

    /// <summary>The forward pass copies (exact); the backward pass sums each block in order.</summary>
    private static void UpsampleNearest(JsonElement c)
    {
        int n = Int(c, "batch"), ch = Int(c, "channels"), h = Int(c, "height"), w = Int(c, "width");
        int[] scale = Ints(c, "scale"), outShape = Ints(c, "out_shape");
        Assert.Equal(outShape, new[] { n, ch, h * scale[0], w * scale[1] });
        float[] x = Floats(c, "x"), y = new float[n * ch * h * scale[0] * w * scale[1]], dx = new float[x.Length];
        Kernels.Upsample2d.Forward(x, y, n, ch, h, w, scale[0], scale[1]);
        Assert.Equal(Floats(c, "y"), y);
        Kernels.Upsample2d.Backward(Floats(c, "dy"), dx, n, ch, h, w, scale[0], scale[1]);
        AssertClose(Floats(c, "dx"), dx, "dx");
    }

    /// <summary>
    /// Within float rounding; the backward pass bit for bit with a factor of 2 without align_corners (the weights are then
    /// quarters, and it adds in PyTorch's order with PyTorch's fused multiply-adds).
    /// </summary>
    private static void UpsampleBilinear(JsonElement c)
    {
        int n = Int(c, "batch"), ch = Int(c, "channels"), h = Int(c, "height"), w = Int(c, "width");
        int[] scale = Ints(c, "scale"), outShape = Ints(c, "out_shape");
        bool align = c.GetProperty("align_corners").GetBoolean();
        Assert.Equal(outShape, new[] { n, ch, h * scale[0], w * scale[1] });
        float[] x = Floats(c, "x"), y = new float[n * ch * h * scale[0] * w * scale[1]], dx = new float[x.Length];
        Kernels.UpsampleBilinear2d.Forward(x, y, n, ch, h, w, scale[0], scale[1], align);
        Kernels.UpsampleBilinear2d.Backward(Floats(c, "dy"), dx, n, ch, h, w, scale[0], scale[1], align);
        AssertClose(Floats(c, "y"), y, "y");
        if (scale[0] == 2 && scale[1] == 2 && !align)
        {
            GemmShapeTests.AssertSameBits(Floats(c, "dx"), dx, "dx");
            return;
        }

        AssertClose(Floats(c, "dx"), dx, "dx");
    }

    /// <summary>
    /// An output size that is not a whole multiple of the input's: nearest bit for bit both ways (a copy, and PyTorch's
    /// sums in output order), bilinear within float rounding.
    /// </summary>
    private static void UpsampleToSize(JsonElement c)
    {
        int n = Int(c, "batch"), ch = Int(c, "channels"), h = Int(c, "height"), w = Int(c, "width");
        int[] size = Ints(c, "size");
        bool nearest = c.GetProperty("kind").GetString() == "upsample_nearest_size", align = c.GetProperty("align_corners").GetBoolean();
        Assert.Equal(Ints(c, "out_shape"), new[] { n, ch, size[0], size[1] });
        float[] x = Floats(c, "x"), y = new float[n * ch * size[0] * size[1]], dx = new float[x.Length];
        if (nearest)
        {
            Kernels.Upsample2d.ForwardToSize(x, y, n, ch, h, w, size[0], size[1]);
            Kernels.Upsample2d.BackwardToSize(Floats(c, "dy"), dx, n, ch, h, w, size[0], size[1]);
            GemmShapeTests.AssertSameBits(Floats(c, "y"), y, "y");
            GemmShapeTests.AssertSameBits(Floats(c, "dx"), dx, "dx");
            return;
        }

        Kernels.UpsampleBilinear2d.ForwardToSize(x, y, n, ch, h, w, size[0], size[1], align);
        Kernels.UpsampleBilinear2d.BackwardToSize(Floats(c, "dy"), dx, n, ch, h, w, size[0], size[1], align);
        AssertClose(Floats(c, "y"), y, "y");
        AssertClose(Floats(c, "dx"), dx, "dx");
    }

    /// <summary>PyTorch's maxima, positions (ties to the first in row-major order) and gradient, bit for bit.</summary>
    private static void AdaptiveMaxPool(JsonElement c)
    {
        int n = Int(c, "batch"), ch = Int(c, "channels"), h = Int(c, "height"), w = Int(c, "width");
        int[] size = Ints(c, "size");
        Assert.Equal(Ints(c, "out_shape"), new[] { n, ch, size[0], size[1] });
        float[] x = Floats(c, "x"), y = new float[n * ch * size[0] * size[1]], dx = new float[x.Length];
        int[] indices = new int[y.Length];
        Kernels.AdaptiveMaxPool2d.Forward(x, y, indices, n, ch, h, w, size[0], size[1]);
        GemmShapeTests.AssertSameBits(Floats(c, "y"), y, "y");
        Assert.Equal(Ints(c, "indices"), indices);
        Kernels.AdaptiveMaxPool2d.Backward(Floats(c, "dy"), indices, dx, n, ch, h, w, size[0], size[1]);
        GemmShapeTests.AssertSameBits(Floats(c, "dx"), dx, "dx");
    }

    /// <summary>The case's <c>ceil_mode</c> (false when absent).</summary>
    private static bool CeilMode(JsonElement c) => c.TryGetProperty("ceil_mode", out JsonElement ceil) && ceil.GetBoolean();

    /// <summary>Float32 results of different summation orders: equal within a few ulps of the larger magnitudes involved.</summary>
    private static void AssertClose(float[] expected, float[] actual, string what, double relative = 2e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Length == 0 ? 1 : Math.Max(1, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
        {
            KernelReference.AssertClose(expected[i], actual[i], relative * scale, $"{what}[{i}]");
        }
    }

    private static (int N, int C, int H, int W, int[] Kernel, int[] Stride, int[] Padding) Window(JsonElement c) =>
        (Int(c, "batch"), Int(c, "channels"), Int(c, "height"), Int(c, "width"), Ints(c, "kernel"), Ints(c, "stride"), Ints(c, "padding"));

    private static int Int(JsonElement c, string name) => c.GetProperty(name).GetInt32();

    private static int[] Ints(JsonElement c, string name) => c.GetProperty(name).EnumerateArray().Select(v => v.GetInt32()).ToArray();

    /// <summary>The floats of <paramref name="name"/>, or an empty array for null (no bias, no affine transform).</summary>
    private static float[] Floats(JsonElement c, string name)
    {
        JsonElement value = c.GetProperty(name);
        return value.ValueKind == JsonValueKind.Null ? [] : value.EnumerateArray().Select(v => v.GetSingle()).ToArray();
    }
}
