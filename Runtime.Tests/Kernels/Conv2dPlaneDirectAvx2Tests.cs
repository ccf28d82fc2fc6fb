using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Conv2dPlaneDirectAvx2"/>, the forward path of dense shapes on machines with AVX2 and FMA but no 512-bit
/// vectors: the bits of im2col followed by the GEMM for every block of channels (6, 4, 2, 1), planes that are and are not
/// whole tiles, reductions of one and of several GEMM k blocks, padding taps under an infinite weight, with and without
/// bias and ReLU, on 1, 2 and 3 threads; and the
/// shapes it takes. The bit tests run in the InstructionSet category, so CI runs them where this path runs (AVX2) and
/// where the 512-bit paths and the portable GEMM run instead: every path gives these bits.
/// </summary>
public sealed class Conv2dPlaneDirectAvx2Tests
{
    public static TheoryData<int, int, int, int, int, int, int> Shapes() => new()
    {
        // batch, in, height, width, out, kernel, padding
        { 1, 1, 28, 28, 6, 5, 2 },   // LeNet conv1 at batch 1: 49 tiles of 16 pixels, one block of 6 channels
        { 3, 6, 14, 14, 16, 5, 0 },  // LeNet conv2: 6 + 6 + 4 channels, 100 pixels: the last tile moved back over 12
        { 2, 2, 20, 24, 13, 3, 1 },  // 6 + 6 + 1 channels, 480 pixels in 30 whole tiles
        { 2, 3, 9, 17, 7, 3, 0 },    // 6 + 1 channels, 105 pixels
        { 1, 10, 12, 16, 3, 5, 2 },  // reduction 250 (one GEMM k block): 2 + 1 channels
        { 2, 2, 5, 7, 11, 3, 1 },    // 6 + 4 + 1 channels, 35 pixels: two tiles and one moved back
        { 2, 3, 6, 6, 9, 2, 0 },     // an even kernel, 25 pixels: 6 + 2 + 1 channels
        { 1, 2, 4, 4, 5, 3, 1 },     // 16 pixels: exactly one tile; 4 + 1 channels
        { 1, 11, 9, 20, 9, 5, 1 },   // reduction 275: two GEMM k blocks, cut inside a kernel row; 6 + 2 + 1 channels
        { 2, 16, 10, 10, 6, 5, 4 },  // reduction 400: two k blocks (208 + 192); 196 pixels, the last tile moved back
        { 1, 32, 8, 10, 9, 5, 2 },   // reduction 800: four k blocks; 6 + 2 + 1 channels
        { 2, 32, 7, 7, 64, 3, 1 },   // reduction 288 (two k blocks of 144), 49 pixels, 10 blocks of 6 and one of 4
        { 1, 2, 5, 40, 3, 3, 1 },    // rows of 40: five vectors of the expanded input per row (the general copy loop)
    };

    [Theory]
    [Trait("Category", "InstructionSet")]
    [MemberData(nameof(Shapes))]
    public void Forward_GivesTheBitsOfIm2ColAndGemm(int batch, int inChannels, int height, int width, int outChannels, int kernel, int padding)
    {
        ConvShape s = ConvShape.Square(batch, inChannels, height, width, outChannels, kernel, 1, padding, 1, 1);
        Assert.True(Conv2dPlaneDirectAvx2.Fits(s.Geometry));
        var rng = new Rng(13);
        float[] x = Conv2dDirectTests.Random(rng, s.InputLength), w = Conv2dDirectTests.Random(rng, s.WeightLength), b = Conv2dDirectTests.Random(rng, outChannels);
        AssertIm2ColBits(s, x, w, b, Activation.ReLU, "ReLU");
        AssertIm2ColBits(s, x, w, b, Activation.None, "no activation");

        // An infinite weight turns its padding taps into NaN: the path must multiply them as the column matrix does.
        w[w.Length / 3] = float.NegativeInfinity;
        AssertIm2ColBits(s, x, w, b, Activation.ReLU, "one infinite weight");
    }

    [Theory]
    [Trait("Category", "InstructionSet")]
    [MemberData(nameof(Shapes))]
    public void SameBitsForOneTwoAndThreeThreads(int batch, int inChannels, int height, int width, int outChannels, int kernel, int padding)
        => Conv2dTests.AssertEveryPassSameBitsForOneTwoAndThreeThreads(ConvShape.Square(batch, inChannels, height, width, outChannels, kernel, 1, padding, 1, 1));

    [Fact]
    public void TakesDenseShapesWithAPlaneOfATile()
    {
        Assert.True(Conv2dPlaneDirectAvx2.Fits(Conv2dDirectTests.Geometry(1, 28, 28, 6, 5, 1, 2, 1, 1)));     // LeNet conv1
        Assert.True(Conv2dPlaneDirectAvx2.Fits(Conv2dDirectTests.Geometry(6, 14, 14, 16, 5, 1, 0, 1, 1)));    // LeNet conv2: reduction 150
        Assert.True(Conv2dPlaneDirectAvx2.Fits(Conv2dDirectTests.Geometry(11, 9, 20, 9, 5, 1, 1, 1, 1)));     // reduction 275: two GEMM k blocks
        Assert.False(Conv2dPlaneDirectAvx2.Fits(Conv2dDirectTests.Geometry(1, 28, 28, 6, 5, 2, 2, 1, 1)));    // stride 2
        Assert.False(Conv2dPlaneDirectAvx2.Fits(Conv2dDirectTests.Geometry(1, 28, 28, 6, 3, 1, 2, 2, 1)));    // dilation 2
        Assert.False(Conv2dPlaneDirectAvx2.Fits(Conv2dDirectTests.Geometry(4, 28, 28, 8, 3, 1, 1, 1, 2)));    // groups
        Assert.False(Conv2dPlaneDirectAvx2.Fits(Conv2dDirectTests.Geometry(8, 6, 6, 4, 1, 1, 0, 1, 1)));      // 1 × 1: no window to expand
        Assert.False(Conv2dPlaneDirectAvx2.Fits(Conv2dDirectTests.Geometry(2, 5, 5, 4, 3, 1, 0, 1, 1)));      // 9 pixels, under one tile
        Assert.Equal(
            GemmIsaSelector.IsSupported(GemmIsa.Avx2) && !GemmIsaSelector.IsSupported(GemmIsa.Avx512),
            Conv2dPlaneDirectAvx2.Applies(Conv2dDirectTests.Geometry(1, 28, 28, 6, 5, 1, 2, 1, 1)));
    }

    /// <summary>The forward pass through <see cref="Kernels.Conv2d.Forward"/> against im2col and the GEMM, bit for bit.</summary>
    private static void AssertIm2ColBits(ConvShape s, float[] x, float[] w, float[] b, Activation activation, string what)
    {
        float[] y = new float[s.OutputLength];
        s.Forward(x, w, b, y, new float[s.WorkspaceFloats(2)], activation);
        GemmShapeTests.AssertSameBits(Conv2dDirectTests.Im2ColForward(s, x, w, b, relu: activation == Activation.ReLU), y, $"{s}, {what}");
    }
}
