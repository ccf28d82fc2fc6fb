using System;
using System.Linq;
using StaticGrad.Kernels;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// The 2 × 2, stride-2 max pool over planes of even height and width, which AVX-512 runs as one flat sequence of row
/// pairs per part (<c>MaxPool2dRowPairs512</c>): every even width from 2 to 34 (steps of 16 to 1 row pairs), plane counts
/// that split unevenly across 1, 2 and 3 threads, ties, NaN, ±0 and ±∞, against the definition bit for bit. The same
/// tests run the row-by-row paths under the other instruction sets.
/// </summary>
public sealed partial class Pool2dTests
{
    public static TheoryData<int> EvenWidths() => new(Enumerable.Range(1, 17).Select(half => 2 * half));

    [Theory]
    [Trait("Category", "InstructionSet")]
    [MemberData(nameof(EvenWidths))]
    public void MaxPool_TwoByTwoOverEvenPlanes_GivesTheDefinitionsBits_WithOneTwoAndThreeThreads(int width)
    {
        foreach (int height in new[] { 2, 4, 6, 10 })
        {
            foreach (int planes in new[] { 1, 2, 3, 5, 7 })
            {
                string what = $"{planes} planes of {height} x {width}";
                int[] a = [1, planes, height, width, 2, 2, 2, 2, 0, 0, 1, 1];
                float[] x = SpecialInputs(planes * height * width, seed: (ulong)((width * 100) + (height * 10) + planes));
                (float[] expectedY, int[] expectedIndices) = ReferenceTwoByTwo(x, planes, height, width);
                float[] dy = SpecialGradients(expectedY.Length, seed: 23);
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    float[] y = new float[expectedY.Length];
                    int[] indices = new int[expectedY.Length];
                    y.AsSpan().Fill(float.NaN);
                    using (Partition.Override(threads, splitAlways: threads > 1))
                    {
                        MaxPool(a, x, y, indices);
                    }

                    GemmShapeTests.AssertSameBits(expectedY, y, $"{what}, {threads} threads");
                    Assert.True(expectedIndices.AsSpan().SequenceEqual(indices), $"{what}, {threads} threads: indices differ");
                    AssertScatterBits(dy, indices, planes, height, width, "the forward pass's indices", threads);
                }

                AssertTwoPassBits(a, x, expectedY, expectedIndices, dy, what);
            }
        }
    }

    [Theory]
    [Trait("Category", "InstructionSet")]
    [InlineData(7, 10, 10, 0)]    // 3 row pairs per step: the bad window in the part's first step
    [InlineData(7, 10, 10, 3)]    // a plane in the middle of a part, the window in a step that crosses planes
    [InlineData(5, 4, 28, 4)]     // one row pair per step, the last plane
    [InlineData(3, 6, 2, 1)]      // one window per row, 16 row pairs per step
    public void MaxPoolBackward_TwoByTwoOverEvenPlanes_ScattersAllItsPlanes_WhenAnIndexIsOutsideItsWindow(int planes, int height, int width, int badPlane)
    {
        int[] a = [1, planes, height, width, 2, 2, 2, 2, 0, 0, 1, 1];
        float[] x = ReLUOutputs(planes * height * width, seed: 24);
        (float[] y, int[] indices) = ReferenceTwoByTwo(x, planes, height, width);
        float[] dy = SpecialGradients(y.Length, seed: 25);
        int outPlane = height / 2 * (width / 2), window = (badPlane * outPlane) + (outPlane / 2);

        // The last position of the plane: in the plane, in the window only when that window is the plane's last.
        indices[window] = (height * width) - 1 == indices[window] ? 0 : (height * width) - 1;
        y[window] = x[(badPlane * height * width) + indices[window]];
        foreach (int threads in new[] { 1, 2, 3 })
        {
            AssertScatterBits(dy, indices, planes, height, width, "an index outside its window", threads);
        }

        AssertTwoPassBits(a, x, y, indices, dy, $"{planes} planes of {height} x {width}, an index outside its window");
    }

    /// <summary>
    /// The 2 × 2, stride-2 pool by its definition: each window scanned top-left, top-right, bottom-left, bottom-right,
    /// a larger value or a NaN taking it.
    /// </summary>
    internal static (float[] Values, int[] Indices) ReferenceTwoByTwo(float[] x, int planes, int height, int width)
    {
        int oh = height / 2, ow = width / 2;
        float[] y = new float[planes * oh * ow];
        int[] indices = new int[y.Length];
        for (int p = 0; p < planes; p++)
        {
            for (int r = 0; r < oh; r++)
            {
                for (int c = 0; c < ow; c++)
                {
                    int o = (((p * oh) + r) * ow) + c, best = 2 * r * width + (2 * c);
                    foreach (int at in new[] { best + 1, best + width, best + width + 1 })
                    {
                        float value = x[(p * height * width) + at];
                        if (value > x[(p * height * width) + best] || float.IsNaN(value))
                        {
                            best = at;
                        }
                    }

                    indices[o] = best;
                    y[o] = x[(p * height * width) + best];
                }
            }
        }

        return (y, indices);
    }

    /// <summary>Values from a set of five (ties), with ±0, NaN, ±∞ among them.</summary>
    private static float[] SpecialInputs(int count, ulong seed)
    {
        float[] r = KernelReference.Random(count, seed);
        return r.Select((v, i) => (i % 29) switch
        {
            3 => -0f,
            7 => float.NaN,
            13 => float.PositiveInfinity,
            19 => float.NegativeInfinity,
            _ => MathF.Round(v * 2f) * 0.5f,
        }).ToArray();
    }
}
