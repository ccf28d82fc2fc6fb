using System;
using System.Linq;
using System.Runtime.Intrinsics;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Conv2dForwardBySamples"/>, the forward path with 16 samples in the lanes of every vector: the same bits as
/// im2col followed by the GEMM, the bias and ReLU (<see cref="Conv2dDirectTests.Im2ColForward"/>), also for reductions
/// of several GEMM k blocks, with an infinite weight (its padding taps turn NaN as in the column matrix) and a NaN input,
/// for full blocks and blocks of 1 to 15 samples; the same bits for 1, 2 and 3 threads; and the shapes it takes. Run
/// again under each instruction-set setting in CI, where the forward pass takes the other paths.
/// </summary>
[Trait("Category", "InstructionSet")]
public sealed class Conv2dForwardBySamplesTests
{
    private static readonly ConvShape[] AllShapes =
    [
        ConvShape.Square(64, 6, 14, 14, 16, 5, 1, 0, 1, 1),         // LeNet conv2, batch 64: four blocks, rows of 10 as 3 + 3 + 2 + 2
        ConvShape.Square(17, 6, 14, 14, 16, 5, 1, 0, 1, 1),         // a last block of one sample
        ConvShape.Square(12, 3, 9, 11, 13, 3, 1, 2, 1, 1),          // odd sizes, padding 2, 13 channels: tiles of 5, 4 and 4
        ConvShape.Square(16, 32, 7, 7, 16, 3, 1, 1, 1, 1),          // reduction 288: two GEMM k blocks; rows of 7 as 3 + 2 + 2
        ConvShape.Square(16, 11, 6, 6, 4, 5, 1, 2, 1, 1),           // reduction 275: two k blocks (144 + 131) cut inside a kernel row
        new ConvShape(16, 3, 9, 12, 7, 3, 5, 1, 1, 2, 1, 1, 1, 1),  // rectangular kernel and padding
        ConvShape.Square(16, 2, 3, 3, 1, 3, 1, 0, 1, 1),            // one output position, one channel
        ConvShape.Square(16, 1, 20, 20, 6, 5, 1, 2, 1, 1),          // one input channel, rows of 20
    ];

    public static TheoryData<int> Shapes() => new(Enumerable.Range(0, AllShapes.Length));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void GivesTheBitsOfIm2ColAndGemm(int shape)
    {
        ConvShape s = AllShapes[shape];
        Assert.True(Conv2dForwardBySamples.Fits(s.Geometry), s.ToString());
        Assert.Equal(Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx512F.IsSupported, Conv2dForwardBySamples.Applies(s.Geometry, s.Batch, Activation.ReLU));
        float[] x = KernelReference.Random(s.InputLength, seed: 61), w = KernelReference.Random(s.WeightLength, seed: 62);
        float[] b = KernelReference.Random(s.Out, seed: 63);
        AssertIm2ColBits(s, x, w, b, "finite values");

        // An infinite weight turns its padding taps into NaN and a NaN input spreads: as in the column matrix.
        w[w.Length / 3] = float.NegativeInfinity;
        x[x.Length / 2] = float.NaN;
        AssertIm2ColBits(s, x, w, b, "an infinite weight and a NaN input");
    }

    /// <summary>A block of any 1 to 16 samples, called directly: the samples past it are neither read nor written.</summary>
    [Theory]
    [InlineData(1, true)]
    [InlineData(7, false)]
    [InlineData(15, true)]
    [InlineData(16, false)]
    public unsafe void BlockOfAnySize_GivesTheBitsOfIm2ColAndGemm(int samples, bool relu)
    {
        ConvShape s = ConvShape.Square(samples, 6, 14, 14, 16, 5, 1, 1, 1, 1);
        if (!Conv2dForwardBySamples.Applies(s.Geometry, Conv2dForwardBySamples.MinSamples, Activation.ReLU))
        {
            return;
        }

        Conv2dGeometry g = s.Geometry;
        float[] x = KernelReference.Random(s.InputLength + g.InputSample, seed: 64), w = KernelReference.Random(s.WeightLength, seed: 65);
        float[] b = KernelReference.Random(s.Out, seed: 66);
        x.AsSpan(s.InputLength).Fill(float.NaN);
        float[] packed = new float[w.Length], slot = new float[Conv2dForwardBySamples.SlotFloats(g)];
        slot.AsSpan().Fill(float.NaN);
        float[] y = Enumerable.Repeat(float.NaN, s.OutputLength + g.OutputSample).ToArray();
        fixed (float* px = x, pw = w, pb = b, pPacked = packed, py = y, pSlot = slot)
        {
            Conv2dForwardBySamples.PackWeights(pw, pPacked, g);
            Conv2dForwardBySamples.Block(px, pPacked, pb, py, samples, pSlot, g, relu);
        }

        Assert.All(y.Skip(s.OutputLength), v => Assert.True(float.IsNaN(v), "a value past the block's samples was written"));
        float[] expected = Conv2dDirectTests.Im2ColForward(s, x.AsSpan(0, s.InputLength).ToArray(), w, b, relu);
        GemmShapeTests.AssertSameBits(expected, y.AsSpan(0, s.OutputLength).ToArray(), $"a block of {samples}, ReLU {relu}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SameBits_ForOneTwoAndThreeThreads(int shape) => Conv2dTests.AssertEveryPassSameBitsForOneTwoAndThreeThreads(AllShapes[shape] with { Batch = 45 });

    [Fact]
    public void TakesOnlyDenseShapesWhoseBlocksFitL2()
    {
        Assert.True(Conv2dForwardBySamples.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry));
        Assert.False(Conv2dForwardBySamples.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 2, 0, 1, 1).Geometry));   // stride 2
        Assert.False(Conv2dForwardBySamples.Fits(ConvShape.Square(1, 6, 14, 14, 16, 3, 1, 2, 2, 1).Geometry));   // dilation 2
        Assert.False(Conv2dForwardBySamples.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 2).Geometry));   // groups
        Assert.False(Conv2dForwardBySamples.Fits(ConvShape.Square(1, 6, 10, 10, 16, 1, 1, 0, 1, 1).Geometry));   // 1 × 1: the GEMM multiplies the input itself
        Assert.False(Conv2dForwardBySamples.Fits(ConvShape.Square(1, 1, 28, 28, 6, 5, 1, 2, 1, 1).Geometry));    // LeNet conv1: 16 × 6 planes of 784 out, 358 KB a block
        Assert.False(Conv2dForwardBySamples.Applies(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry, Conv2dForwardBySamples.MinSamples - 1, Activation.ReLU));
        Assert.False(Conv2dForwardBySamples.Applies(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry, 64, Activation.Tanh));
    }

    /// <summary>
    /// The forward pass with ReLU through <see cref="Kernels.Conv2d.Forward"/> (a NaN-filled workspace; <see cref="Conv2dWinograd"/>
    /// suspended, whose shapes these paths also take) against im2col and the GEMM, bit for bit.
    /// </summary>
    internal static void AssertIm2ColBits(ConvShape s, float[] x, float[] w, float[] b, string what)
    {
        float[] y = new float[s.OutputLength], workspace = new float[s.WorkspaceFloats(2)];
        workspace.AsSpan().Fill(float.NaN);
        Kernels.Conv2dWinograd.Suspend(true);
        try
        {
            s.Forward(x, w, b, y, workspace, Activation.ReLU);
        }
        finally
        {
            Kernels.Conv2dWinograd.Suspend(false);
        }

        GemmShapeTests.AssertSameBits(Conv2dDirectTests.Im2ColForward(s, x, w, b), y, $"{s}, {what}");
    }
}
