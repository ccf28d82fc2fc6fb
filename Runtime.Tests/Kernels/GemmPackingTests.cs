using System;
using System.Linq;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="GemmPacking.PackTransposed256"/> against <see cref="GemmPacking.PackTransposedScalar"/>, float for float, for
/// every height the AVX2 microkernel packs (and odd ones, which it hands to the scalar version), depths around the 8-step
/// groups, missing rows, and nothing written past the packed block.
/// </summary>
[Trait("Category", "InstructionSet")]
public sealed class GemmPackingTests
{
    [Theory]
    [InlineData(6, 6)]
    [InlineData(5, 6)]
    [InlineData(1, 6)]
    [InlineData(4, 4)]
    [InlineData(3, 4)]
    [InlineData(2, 2)]
    [InlineData(1, 2)]
    [InlineData(16, 16)]
    [InlineData(11, 16)]
    [InlineData(8, 8)]
    [InlineData(3, 8)]
    [InlineData(5, 5)]
    [InlineData(12, 12)]
    public unsafe void PackTransposed256_GivesTheScalarVersionsFloats(int rows, int height)
    {
        if (!System.Runtime.Intrinsics.X86.Avx2.IsSupported)
        {
            return;
        }

        const int Guard = 16;
        foreach (int depth in new[] { 1, 2, 3, 4, 7, 8, 9, 16, 23, 208 })
        {
            int stride = depth + 3;
            float[] source = KernelReference.Random(rows * stride, seed: (ulong)(depth + height));
            float[] expected = Enumerable.Repeat(float.NaN, (depth * height) + Guard).ToArray();
            float[] actual = (float[])expected.Clone();
            fixed (float* s = source, e = expected, a = actual)
            {
                GemmPacking.PackTransposedScalar(s, stride, rows, depth, e, height);
                GemmPacking.PackTransposed256(s, stride, rows, depth, a, height);
            }

            GemmShapeTests.AssertSameBits(expected, actual, $"{rows} rows of height {height}, depth {depth}");
        }
    }
}
