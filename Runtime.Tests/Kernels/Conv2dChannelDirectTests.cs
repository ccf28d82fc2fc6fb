using System.Linq;
using System.Runtime.Intrinsics;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Conv2dChannelDirect"/>, the forward path vectorized over output channels: the same bits as im2col followed
/// by the GEMM (<see cref="Conv2dDirectTests.Im2ColForward"/>), also for reductions of several GEMM k blocks, with padding
/// taps whose weight is infinite, and for 1, 2 and 3 threads; the shapes it takes; and its tile sizes.
/// </summary>
public sealed class Conv2dChannelDirectTests
{
    private static readonly ConvShape[] AllShapes =
    [
        ConvShape.Square(3, 6, 14, 14, 16, 5, 1, 0, 1, 1),        // LeNet conv2: tiles of 20 pixels
        ConvShape.Square(11, 6, 14, 14, 16, 5, 1, 0, 1, 1),       // LeNet conv2 at batch 11 (from 12 on, Conv2dForwardBySamples takes the batch)
        ConvShape.Square(2, 16, 14, 14, 32, 3, 1, 1, 1, 1),       // two vectors of channels, tiles of 14 pixels
        ConvShape.Square(1, 32, 7, 7, 64, 3, 1, 1, 1, 1),         // reduction 288: two GEMM k blocks; tiles overlap (10 into 49)
        ConvShape.Square(3, 3, 9, 11, 48, 3, 1, 2, 1, 1),         // odd sizes, padding 2: 32 + 16 channels
        ConvShape.Square(2, 16, 10, 10, 16, 5, 1, 4, 1, 1),       // reduction 400: two k blocks (208 + 192) cut inside a kernel row
        ConvShape.Square(1, 32, 8, 10, 32, 5, 1, 2, 1, 1),        // reduction 800: four k blocks
        ConvShape.Square(2, 4, 5, 3, 16, 3, 1, 1, 1, 1),          // a plane of 15 pixels
        ConvShape.Square(3, 2, 1, 1, 16, 1, 1, 0, 1, 1),          // a plane of one pixel, 1 × 1 kernel
        ConvShape.Square(1, 5, 6, 37, 16, 3, 1, 1, 1, 1),         // rows of 37: three vectors per expanded row
        new ConvShape(2, 3, 9, 12, 32, 3, 5, 1, 1, 2, 1, 1, 1, 1), // rectangular kernel and padding
    ];

    public static TheoryData<int> Shapes() => new(Enumerable.Range(0, AllShapes.Length));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_GivesTheBitsOfIm2ColAndGemm(int shape)
    {
        ConvShape s = AllShapes[shape];
        Assert.True(Conv2dChannelDirect.Fits(s.Geometry));
        float[] x = KernelReference.Random(s.InputLength, seed: 31), w = KernelReference.Random(s.WeightLength, seed: 32);
        float[] b = KernelReference.Random(s.Out, seed: 33);
        AssertIm2ColBits(s, x, w, b, "finite weights");

        // An infinite weight turns its padding taps into NaN: the path must multiply them as the column matrix does.
        w[w.Length / 3] = float.NegativeInfinity;
        AssertIm2ColBits(s, x, w, b, "one infinite weight");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SameBits_ForOneTwoAndThreeThreads(int shape) => Conv2dTests.AssertEveryPassSameBitsForOneTwoAndThreeThreads(AllShapes[shape] with { Batch = 5 });

    [Fact]
    public void TakesStrideOneShapesWithWholeVectorsOfOutputChannels_UnlessConv2dDirectFillsItsVectors()
    {
        Assert.True(Conv2dChannelDirect.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry));
        Assert.True(Conv2dChannelDirect.Fits(ConvShape.Square(1, 32, 7, 7, 64, 3, 1, 1, 1, 1).Geometry));
        Assert.False(Conv2dChannelDirect.Fits(ConvShape.Square(1, 1, 28, 28, 6, 5, 1, 2, 1, 1).Geometry));     // 6 channels (LeNet's conv1)
        Assert.False(Conv2dChannelDirect.Fits(ConvShape.Square(1, 6, 14, 14, 24, 5, 1, 0, 1, 1).Geometry));    // 24 channels
        Assert.False(Conv2dChannelDirect.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 2, 0, 1, 1).Geometry));    // stride 2
        Assert.False(Conv2dChannelDirect.Fits(ConvShape.Square(1, 6, 14, 14, 16, 3, 1, 2, 2, 1).Geometry));    // dilation 2
        Assert.False(Conv2dChannelDirect.Fits(ConvShape.Square(1, 32, 14, 14, 32, 3, 1, 1, 1, 2).Geometry));   // groups
        bool avx512 = Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx512F.IsSupported;
        Assert.Equal(avx512, Conv2dChannelDirect.Applies(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry));

        // Rows of 16 or 32 values fill Conv2dDirect's vectors: that path takes them.
        Assert.True(Conv2dChannelDirect.Fits(ConvShape.Square(1, 8, 32, 32, 32, 3, 1, 1, 1, 1).Geometry));
        Assert.False(Conv2dChannelDirect.Applies(ConvShape.Square(1, 8, 32, 32, 32, 3, 1, 1, 1, 1).Geometry));
        Assert.False(Conv2dChannelDirect.Applies(ConvShape.Square(1, 16, 16, 16, 16, 3, 1, 1, 1, 1).Geometry));
        Assert.Equal(avx512, Conv2dChannelDirect.Applies(ConvShape.Square(1, 3, 48, 48, 16, 3, 1, 1, 1, 1).Geometry));   // rows of 48: too long for Conv2dDirect
    }

    [Theory]
    [InlineData(100, 1, 20)]   // LeNet conv2: 5 tiles, none overlapping
    [InlineData(196, 2, 14)]   // 14 × 14 with 32 channels
    [InlineData(49, 2, 10)]    // 7 × 7: 5 tiles of 10 (50 pixels) before 4 of 14 (56)
    [InlineData(15, 1, 8)]     // 2 tiles of 8 before 5 of 3, which wait on the FMA latency
    [InlineData(1, 1, 1)]
    [InlineData(784, 1, 24)]   // 28 × 28: 33 tiles of 24 (825 slots) before 49 of 16 (833)
    [InlineData(1024, 2, 14)]  // 32 × 32: 74 tiles of 14 (2220 slots) before 128 of 8 (2304; the FMAs alone 2072 against 2048)
    public void Pixels_TakesTheFewestIssueSlots(int plane, int vectors, int expected) =>
        Assert.Equal(expected, Conv2dChannelDirect.Pixels(plane, vectors));

    /// <summary>The forward pass through <see cref="Kernels.Conv2d.Forward"/> (which takes this path on AVX-512) against im2col and the GEMM, bit for bit.</summary>
    private static void AssertIm2ColBits(ConvShape s, float[] x, float[] w, float[] b, string what)
    {
        float[] y = new float[s.OutputLength];
        Kernels.Conv2dWinograd.Suspend(true);
        try
        {
            s.Forward(x, w, b, y, new float[s.WorkspaceFloats(2)], Activation.ReLU);
        }
        finally
        {
            Kernels.Conv2dWinograd.Suspend(false);
        }

        GemmShapeTests.AssertSameBits(Conv2dDirectTests.Im2ColForward(s, x, w, b), y, $"{s}, {what}");
    }
}
