using System;
using System.Runtime.Intrinsics;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="WindowOffsets"/> against the table it replaces (<see cref="Conv2dWeightGradientSparse.Windows"/>): every
/// position of planes from 1 to 70 columns wide with strides and padding, and of planes near its
/// <see cref="WindowOffsets.MaxPositions"/>, where the float row is closest to going wrong.
/// </summary>
public sealed class WindowOffsetsTests
{
    public static TheoryData<int, int, int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int, int, int>();
        foreach (int width in new[] { 1, 2, 3, 5, 7, 8, 10, 14, 16, 27, 28, 31, 33, 64, 70 })
        {
            foreach ((int kernel, int stride, int padding) in new[] { (1, 1, 0), (5, 1, 2), (3, 2, 1), (2, 3, 0) })
            {
                if (width + (2 * padding) >= kernel)
                {
                    data.Add(9, width, kernel, stride, padding);
                }
            }
        }

        data.Add(1024, 1024, 1, 1, 0);  // 2^20 positions, the most
        data.Add(1048, 1000, 1, 1, 0);  // 1,048,000 positions, 1000 a row
        data.Add(1025, 1023, 1, 1, 0);  // 1,048,575 positions, 1023 a row
        data.Add(1 << 20, 1, 1, 1, 0);  // one column
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public unsafe void GivesEveryPositionTheTablesOffset(int height, int width, int kernel, int stride, int padding)
    {
        Conv2dGeometry g = ConvShape.Square(1, 1, height, width, 1, kernel, stride, padding, 1, 1).Geometry;
        Assert.True(WindowOffsets.Fits(g), $"{g.OutHeight} × {g.OutWidth} fits");
        int[] table = new int[g.OutputPlane];
        fixed (int* windows = table)
        {
            Conv2dWeightGradientSparse.Windows(g, windows);
        }

        var offsets = new WindowOffsets(g);
        Span<int> positions = stackalloc int[8];
        for (int first = 0; first < g.OutputPlane; first += 8)
        {
            for (int k = 0; k < 8; k++)
            {
                positions[k] = Math.Min(first + k, g.OutputPlane - 1);
            }

            Vector256<int> got = offsets.Of(Vector256.Create((ReadOnlySpan<int>)positions));
            for (int k = 0; k < 8; k++)
            {
                if (got[k] != table[positions[k]])
                {
                    Assert.Fail($"{g.OutHeight} × {g.OutWidth} plane, stride {stride}, padding {padding}: position {positions[k]} gave {got[k]}, the table {table[positions[k]]}");
                }
            }
        }
    }

    [Fact]
    public void RefusesPlanesPastItsLimit()
    {
        Assert.False(WindowOffsets.Fits(new ConvShape(1, 1, 1025, 1024, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1).Geometry));
        Assert.True(WindowOffsets.Fits(new ConvShape(1, 1, 1024, 1024, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1).Geometry));
    }
}
