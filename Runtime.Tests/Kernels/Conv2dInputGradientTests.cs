using System;
using System.Linq;
using System.Runtime.Intrinsics;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Conv2dInputGradient"/>, the input-gradient path for stride-1 shapes whose input rows fill 512-bit vectors:
/// the same bits as <c>Wᵀ·dY</c> followed by the col2im scatter (computed here from <see cref="Gemm.MultiplyTransposeA"/>
/// and <see cref="Im2Col.ScatterAdd"/>), so choosing it by shape and hardware never changes a result; the same bits for
/// 1, 2 and 3 threads; and the shapes it takes. Run again under each instruction-set setting in CI, where the input
/// gradient takes the GEMM path or this one.
/// </summary>
[Trait("Category", "InstructionSet")]
public sealed class Conv2dInputGradientTests
{
    private static readonly ConvShape[] AllShapes =
    [
        ConvShape.Square(3, 6, 14, 14, 16, 5, 1, 0, 1, 1),    // LeNet conv2: rows of 14, 6 channels in one block
        ConvShape.Square(2, 2, 28, 28, 6, 5, 1, 2, 1, 1),     // two channels of rows of 28: two vectors, 4 columns
        ConvShape.Square(1, 7, 9, 11, 5, 3, 1, 1, 1, 1),      // 6 + 1 channels, odd sizes, padding 1, 9 rows (the last alone)
        ConvShape.Square(3, 5, 10, 8, 9, 3, 1, 0, 1, 1),      // 5 channels, rows of 8, padding 0
        ConvShape.Square(2, 3, 12, 17, 4, 5, 1, 2, 1, 1),     // rows of 17: two vectors, the second of one lane; 2 + 1 channels
        ConvShape.Square(1, 4, 7, 31, 3, 3, 1, 2, 1, 1),      // padding 2 with a 3 × 3 kernel (outputs wider than inputs)
        new ConvShape(2, 4, 9, 12, 7, 2, 4, 1, 1, 1, 2, 1, 1, 1),   // rectangular kernel and padding
        ConvShape.Square(1, 4, 8, 13, 256, 3, 1, 1, 1, 1),    // 256 output channels: one GEMM k block
    ];

    public static TheoryData<int> Shapes() => new(Enumerable.Range(0, AllShapes.Length));

    [Theory]
    [MemberData(nameof(Shapes))]
    public unsafe void GivesTheBitsOfTheGemmAndScatter(int shape)
    {
        ConvShape s = AllShapes[shape];
        Assert.True(Conv2dInputGradient.Fits(s.Geometry));
        float[] w = KernelReference.Random(s.WeightLength, seed: 21), dy = KernelReference.Random(s.OutputLength, seed: 22);
        AssertGemmBits(s, w, dy, "finite weights", Kernel(s));

        // An infinite weight makes NaN and infinite column values; the scatter drops those outside the input, and so must the path.
        w[w.Length / 2] = float.PositiveInfinity;
        AssertGemmBits(s, w, dy, "one infinite weight", Kernel(s));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SameBits_ForOneTwoAndThreeThreads(int shape) => Conv2dTests.AssertEveryPassSameBitsForOneTwoAndThreeThreads(AllShapes[shape] with { Batch = 5 });

    [Fact]
    public void TakesOnlyStrideOneShapesWhoseRowsFillHalfAVector()
    {
        Assert.True(Conv2dInputGradient.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry));
        Assert.False(Conv2dInputGradient.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 2, 0, 1, 1).Geometry));    // stride 2
        Assert.False(Conv2dInputGradient.Fits(ConvShape.Square(1, 6, 14, 14, 16, 3, 1, 2, 2, 1).Geometry));    // dilation 2
        Assert.False(Conv2dInputGradient.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 2).Geometry));    // groups
        Assert.False(Conv2dInputGradient.Fits(ConvShape.Square(1, 6, 14, 14, 16, 1, 1, 0, 1, 1).Geometry));    // 1 × 1: the GEMM writes the input gradient itself
        Assert.False(Conv2dInputGradient.Fits(ConvShape.Square(1, 6, 14, 7, 16, 3, 1, 1, 1, 1).Geometry));     // rows of 7
        Assert.False(Conv2dInputGradient.Fits(ConvShape.Square(1, 6, 14, 33, 16, 3, 1, 1, 1, 1).Geometry));    // rows of 33
        Assert.False(Conv2dInputGradient.Fits(ConvShape.Square(1, 6, 14, 14, 257, 3, 1, 1, 1, 1).Geometry));   // two GEMM k blocks
        Assert.False(Conv2dInputGradient.Fits(ConvShape.Square(1, 1, 28, 28, 6, 5, 1, 2, 1, 1).Geometry));     // 2 columns (LeNet's conv1)
        Assert.False(Conv2dInputGradient.Fits(ConvShape.Square(1, 3, 14, 14, 16, 5, 1, 2, 1, 1).Geometry));    // 3 columns
        Assert.Equal(
            Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx512F.IsSupported,
            Conv2dInputGradient.Applies(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry));
    }

    /// <summary>This path's kernel itself where the machine runs it (another path may take the shape in <see cref="Kernels.Conv2d.BackwardData"/>), else null.</summary>
    private static unsafe delegate*<float*, float*, float*, in Conv2dGeometry, void> Kernel(ConvShape s)
        => Conv2dInputGradient.Applies(s.Geometry) ? &Conv2dInputGradient.Sample : null;

    /// <summary>
    /// The input gradient from <paramref name="kernel"/> called per sample (or, when null, through
    /// <see cref="Kernels.Conv2d.BackwardData"/>, which picks the path) against the GEMM and the scatter, bit for bit.
    /// </summary>
    internal static unsafe void AssertGemmBits(ConvShape s, float[] w, float[] dy, string what, delegate*<float*, float*, float*, in Conv2dGeometry, void> kernel)
    {
        float[] dx = new float[s.InputLength];
        if (kernel is null)
        {
            // A workspace holding what other calls left in it (NaN here): no path may read what it did not write.
            float[] workspace = new float[s.WorkspaceFloats(1)];
            workspace.AsSpan().Fill(float.NaN);
            s.BackwardData(dy, w, dx, workspace);
        }
        else
        {
            Conv2dGeometry geometry = s.Geometry;
            fixed (float* pw = w, pdy = dy, pdx = dx)
            {
                for (int n = 0; n < s.Batch; n++)
                {
                    kernel(pdy + (n * geometry.OutputSample), pw, pdx + (n * geometry.InputSample), geometry);
                }
            }
        }

        float[] expected = GemmAndScatter(s, w, dy);
        GemmShapeTests.AssertSameBits(expected, dx, $"{s}, {what}");
    }

    /// <summary>The input gradient as the GEMM path computes it: per sample <c>Wᵀ·dY</c>, scattered onto a cleared input gradient.</summary>
    internal static unsafe float[] GemmAndScatter(ConvShape s, float[] w, float[] dy)
    {
        Conv2dGeometry g = s.Geometry;
        int plane = s.OutHeight * s.OutWidth, reduction = s.In * s.KernelHeight * s.KernelWidth;
        float[] columns = new float[reduction * plane], expected = new float[s.InputLength];
        for (int n = 0; n < s.Batch; n++)
        {
            Gemm.MultiplyTransposeA(w, dy.AsSpan(n * s.Out * plane, s.Out * plane), columns, reduction, s.Out, plane);
            fixed (float* pc = columns, pe = expected)
            {
                Im2Col.ScatterAdd(pc, plane, s.In, g, pe + (n * s.In * s.Height * s.Width));
            }
        }

        return expected;
    }
}
