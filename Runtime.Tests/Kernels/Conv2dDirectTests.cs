using System;
using System.Runtime.Intrinsics;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Conv2dDirect"/>, the forward path for stride-1 shapes whose output rows fill 512-bit vectors: the same bits
/// as im2col followed by the GEMM (computed here from <see cref="Im2Col.Gather"/> and <see cref="Gemm.Multiply"/>), so
/// choosing it by shape and hardware never changes a result (also for reductions of several GEMM k blocks); and the
/// shapes it takes.
/// </summary>
public sealed class Conv2dDirectTests
{
    public static TheoryData<int, int, int, int, int, int, int> Shapes() => new()
    {
        // batch, in, height, width, out, kernel, padding
        { 3, 1, 28, 28, 6, 5, 2 },   // LeNet conv1: two vectors per row, 6 channels
        { 2, 2, 20, 24, 13, 3, 1 },  // rows of 24: 6 + 6 + 1 channels
        { 3, 6, 14, 14, 12, 5, 0 },  // LeNet conv2's rows (one vector of 10), 8 + 4 channels (16 take Conv2dChannelDirect)
        { 2, 3, 9, 17, 7, 3, 0 },    // rows of 15: one vector, 4 + 1 + 1 + 1 channels
        { 2, 2, 20, 31, 11, 3, 1 },  // rows of 31: two vectors, the second partial; 6 + 4 + 1 channels
        { 2, 4, 8, 8, 9, 1, 0 },     // 1 × 1 kernel, rows of 8
        { 1, 10, 12, 16, 3, 5, 2 },  // reduction 250, close to one GEMM block; 2 + 1 channels
        { 2, 16, 10, 10, 6, 5, 4 },  // reduction 400: two GEMM k blocks (208 + 192), cut inside a kernel row
        { 1, 11, 9, 20, 9, 5, 1 },   // reduction 275, rows of 16 + 2 lanes (two vectors); 6 + 2 + 1 channels
        { 1, 32, 8, 10, 9, 5, 2 },   // reduction 800: four k blocks, 8 + 1 channels
    };

    /// <summary>Shapes <see cref="Conv2dPlaneDirect"/> takes: the plane's vectors in tiles and what is left, every block of channels.</summary>
    public static TheoryData<int, int, int, int, int, int, int> PlaneShapes() => new()
    {
        // batch, in, height, width, out, kernel, padding
        { 1, 1, 28, 28, 6, 5, 2 },   // LeNet conv1 at batch 1: 49 vectors, 12 tiles of 4 and one vector left
        { 3, 2, 20, 24, 13, 3, 1 },  // 30 vectors; 6 + 6 + 1 channels, the 1 in 3 tiles of 8 and 6 vectors left
        { 2, 2, 20, 31, 11, 3, 1 },  // 620 pixels: the last vector partial, moved back; 6 + 4 + 1 channels
        { 1, 3, 16, 12, 5, 3, 1 },   // 12 vectors: 4 + 1 channels
        { 5, 2, 11, 13, 3, 5, 2 },   // 143 pixels in 9 vectors: 2 + 1 channels, one tile of 8 and one vector left
        { 1, 10, 9, 25, 7, 5, 2 },   // reduction 250 (one GEMM k block), rows of 25
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_GivesTheBitsOfIm2ColAndGemm(int batch, int inChannels, int height, int width, int outChannels, int kernel, int padding)
    {
        ConvShape s = ConvShape.Square(batch, inChannels, height, width, outChannels, kernel, 1, padding, 1, 1);
        Conv2dGeometry g = Geometry(inChannels, height, width, outChannels, kernel, 1, padding, 1, 1);
        Assert.True(Conv2dDirect.Fits(g));
        Assert.False(Conv2dChannelDirect.Fits(g));
        var rng = new Rng(7);
        float[] x = Random(rng, s.InputLength), w = Random(rng, s.WeightLength), b = Random(rng, outChannels);
        float[] y = new float[s.OutputLength];
        s.Forward(x, w, b, y, new float[s.WorkspaceFloats(2)], Activation.ReLU);
        GemmShapeTests.AssertSameBits(Im2ColForward(s, x, w, b), y, s.ToString());
    }

    [Theory]
    [Trait("Category", "InstructionSet")]
    [MemberData(nameof(PlaneShapes))]
    public void PlanePath_GivesTheBitsOfIm2ColAndGemm(int batch, int inChannels, int height, int width, int outChannels, int kernel, int padding)
    {
        ConvShape s = ConvShape.Square(batch, inChannels, height, width, outChannels, kernel, 1, padding, 1, 1);
        Assert.True(Conv2dDirect.Fits(s.Geometry));
        Assert.True(Conv2dPlaneDirect.Fits(s.Geometry));
        var rng = new Rng(11);
        float[] x = Random(rng, s.InputLength), w = Random(rng, s.WeightLength), b = Random(rng, outChannels);
        AssertIm2ColBits(s, x, w, b, "finite weights");

        // An infinite weight turns its padding taps into NaN: the path must multiply them as the column matrix does.
        w[w.Length / 3] = float.NegativeInfinity;
        AssertIm2ColBits(s, x, w, b, "one infinite weight");
    }

    [Theory]
    [Trait("Category", "InstructionSet")]
    [MemberData(nameof(PlaneShapes))]
    public void PlanePath_SameBitsForOneTwoAndThreeThreads(int batch, int inChannels, int height, int width, int outChannels, int kernel, int padding)
        => Conv2dTests.AssertEveryPassSameBitsForOneTwoAndThreeThreads(ConvShape.Square(batch, inChannels, height, width, outChannels, kernel, 1, padding, 1, 1));

    [Fact]
    public void PlanePath_TakesRowsThatLeaveLanesUnused_OneKBlock_AndAPlaneOfATile()
    {
        Assert.True(Conv2dPlaneDirect.Fits(Geometry(1, 28, 28, 6, 5, 1, 2, 1, 1)));     // LeNet conv1: rows of 28
        Assert.False(Conv2dPlaneDirect.Fits(Geometry(3, 32, 32, 6, 3, 1, 1, 1, 1)));    // rows of 32 fill two vectors
        Assert.False(Conv2dPlaneDirect.Fits(Geometry(11, 9, 20, 9, 5, 1, 1, 1, 1)));    // reduction 275: two GEMM k blocks
        Assert.False(Conv2dPlaneDirect.Fits(Geometry(6, 14, 14, 12, 5, 1, 0, 1, 1)));   // a plane of 100 pixels, under one tile of 8 vectors
    }

    /// <summary>The forward pass through <see cref="Kernels.Conv2d.Forward"/> against im2col and the GEMM, bit for bit.</summary>
    private static void AssertIm2ColBits(ConvShape s, float[] x, float[] w, float[] b, string what)
    {
        float[] y = new float[s.OutputLength];
        s.Forward(x, w, b, y, new float[s.WorkspaceFloats(2)], Activation.ReLU);
        GemmShapeTests.AssertSameBits(Im2ColForward(s, x, w, b), y, $"{s}, {what}");
    }

    /// <summary><c>relu(W · col(x) + b)</c> per sample: im2col (<see cref="Im2Col.Gather"/>) and <see cref="Gemm.Multiply"/>, then bias and ReLU (unless <paramref name="relu"/> is false).</summary>
    internal static unsafe float[] Im2ColForward(ConvShape s, float[] x, float[] w, float[] b, bool relu = true)
    {
        Conv2dGeometry g = s.Geometry;
        int plane = s.OutHeight * s.OutWidth, reduction = s.In * s.KernelHeight * s.KernelWidth;
        float[] columns = new float[reduction * plane];
        float[] expected = new float[s.OutputLength];
        for (int n = 0; n < s.Batch; n++)
        {
            fixed (float* px = x, pc = columns)
            {
                Im2Col.Gather(px + (n * s.In * s.Height * s.Width), s.In, g, pc, plane);
            }

            Span<float> sample = expected.AsSpan(n * s.Out * plane, s.Out * plane);
            Gemm.Multiply(w, columns, sample, s.Out, reduction, plane);
            for (int i = 0; i < sample.Length; i++)
            {
                // ReLU keeps NaN, as PyTorch's does.
                float value = sample[i] + b[i / plane];
                sample[i] = !relu || value > 0f || float.IsNaN(value) ? value : 0f;
            }
        }

        return expected;
    }

    [Fact]
    public void TakesStrideOneShapesWhoseRowsFillHalfAVector()
    {
        Assert.True(Conv2dDirect.Fits(Geometry(1, 28, 28, 6, 5, 1, 2, 1, 1)));
        Assert.False(Conv2dDirect.Fits(Geometry(16, 5, 5, 32, 3, 1, 0, 1, 1)));   // rows of 3
        Assert.False(Conv2dDirect.Fits(Geometry(1, 28, 28, 6, 5, 2, 2, 1, 1)));   // stride 2
        Assert.False(Conv2dDirect.Fits(Geometry(1, 28, 28, 6, 3, 1, 2, 2, 1)));   // dilation 2
        Assert.False(Conv2dDirect.Fits(Geometry(4, 28, 28, 8, 3, 1, 1, 1, 2)));   // groups
        Assert.True(Conv2dDirect.Fits(Geometry(32, 14, 14, 8, 3, 1, 1, 1, 1)));   // reduction 288: two GEMM k blocks
        Assert.False(Conv2dDirect.Fits(Geometry(1, 40, 40, 4, 3, 1, 1, 1, 1)));   // rows of 40
        Assert.Equal(Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx512F.IsSupported, Conv2dDirect.Applies(Geometry(1, 28, 28, 6, 5, 1, 2, 1, 1)));
    }

    internal static Conv2dGeometry Geometry(int channels, int height, int width, int outChannels, int kernel, int stride, int padding, int dilation, int groups)
        => new(
            channels, height, width, outChannels, kernel, kernel, stride, stride, padding, padding, dilation, dilation, groups,
            SlidingWindow.OutputSize(height, kernel, stride, padding, dilation), SlidingWindow.OutputSize(width, kernel, stride, padding, dilation));

    internal static float[] Random(Rng rng, int length)
    {
        float[] values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = rng.NextSingle(-1f, 1f);
        }

        return values;
    }
}
