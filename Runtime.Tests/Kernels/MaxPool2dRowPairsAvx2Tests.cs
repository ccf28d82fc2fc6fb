using System;
using System.Linq;
using StaticGrad.Kernels;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="MaxPool2dRowPairsAvx2"/>, the 2 × 2, stride-2 pool over even planes on machines with AVX2 but no 512-bit
/// vectors, which stores whole vectors past each row and masks only at the end of a part: the forward pass, the backward
/// pass and the backward pass through a ReLU write exactly their spans (the floats after them, in the same array, keep
/// their values) with the bits of the definition, for every even width it takes, on 1, 2 and 3 threads. The bits of every
/// width are in <c>Pool2dTests</c>; this class adds what lies past the spans, and the shapes the path takes.
/// </summary>
[Trait("Category", "InstructionSet")]
public sealed class MaxPool2dRowPairsAvx2Tests
{
    private const float Guard = -7f;

    private const int GuardFloats = 40;

    public static TheoryData<int> EvenWidths() => new(Enumerable.Range(1, 16).Select(half => 2 * half));

    [Theory]
    [MemberData(nameof(EvenWidths))]
    public void EveryPass_WritesOnlyItsSpan_WithTheDefinitionsBits(int width)
    {
        foreach (int planes in new[] { 1, 3, 7 })
        {
            const int Height = 4;
            int inputLength = planes * Height * width, outputLength = planes * (Height / 2) * (width / 2);
            float[] x = KernelReference.Random(inputLength, seed: (ulong)(width + planes));
            float[] dy = KernelReference.Random(outputLength, seed: 31);
            (float[] expectedY, int[] expectedIndices) = Pool2dTests.ReferenceTwoByTwo(x, planes, Height, width);
            foreach (int threads in new[] { 1, 2, 3 })
            {
                string what = $"{planes} planes of {Height} x {width}, {threads} threads";
                float[] y = Guarded(outputLength);
                int[] indices = new int[outputLength + GuardFloats];
                indices.AsSpan(outputLength).Fill(-7);
                float[] dx = Guarded(inputLength), dxThroughReLU = Guarded(inputLength);
                using (Partition.Override(threads, splitAlways: threads > 1))
                {
                    Kernels.MaxPool2d.Forward(x, y.AsSpan(0, outputLength), indices.AsSpan(0, outputLength), 1, planes, Height, width, 2, 2, 2, 2, 0, 0, 1, 1);
                    Kernels.MaxPool2d.Backward(dy, indices.AsSpan(0, outputLength), dx.AsSpan(0, inputLength), 1, planes, Height, width, 2, 2, 2, 2, 0, 0, 1, 1);
                    Kernels.MaxPool2d.BackwardThroughReLU(
                        dy, y.AsSpan(0, outputLength), indices.AsSpan(0, outputLength), dxThroughReLU.AsSpan(0, inputLength), 1, planes, Height, width, 2, 2, 2, 2, 0, 0, 1, 1);
                }

                GemmShapeTests.AssertSameBits(expectedY, y[..outputLength], what);
                Assert.True(expectedIndices.AsSpan().SequenceEqual(indices.AsSpan(0, outputLength)), $"{what}: indices differ");
                GemmShapeTests.AssertSameBits(Scatter(dy, expectedIndices, expectedY, planes, Height * width, relu: false), dx[..inputLength], $"{what}, backward");
                GemmShapeTests.AssertSameBits(Scatter(dy, expectedIndices, expectedY, planes, Height * width, relu: true), dxThroughReLU[..inputLength], $"{what}, through ReLU");
                Assert.All(y.Skip(outputLength), value => Assert.Equal(Guard, value));
                Assert.All(indices.Skip(outputLength), value => Assert.Equal(-7, value));
                Assert.All(dx.Skip(inputLength), value => Assert.Equal(Guard, value));
                Assert.All(dxThroughReLU.Skip(inputLength), value => Assert.Equal(Guard, value));
            }
        }
    }

    /// <summary>
    /// The backward pass called directly: it takes every valid set of positions itself (returns true, the definition's
    /// bits), so a wrong position table cannot hide behind the caller's fallback, and refuses a position outside its
    /// window anywhere in a part.
    /// </summary>
    [Theory]
    [MemberData(nameof(EvenWidths))]
    public unsafe void Backward_TakesValidPositions_AndRefusesOneOutsideItsWindow(int width)
    {
        if (!GemmIsaSelector.IsSupported(GemmIsa.Avx2))
        {
            return;
        }

        const int Planes = 5, Height = 6;
        int inputLength = Planes * Height * width, outputLength = Planes * (Height / 2) * (width / 2);
        float[] x = KernelReference.Random(inputLength, seed: (ulong)width);
        float[] dy = KernelReference.Random(outputLength, seed: 7);
        (float[] maxima, int[] indices) = Pool2dTests.ReferenceTwoByTwo(x, Planes, Height, width);
        Pool2dGeometry g = Pool2dGeometry.Create(1, Planes, Height, width, 2, 2, 2, 2, 0, 0, 1, 1, ceilMode: false);
        foreach (bool relu in new[] { false, true })
        {
            float[] dx = Guarded(inputLength);
            fixed (float* pDy = dy, pMaxima = maxima, pDx = dx)
            fixed (int* pIndices = indices)
            {
                Assert.True(MaxPool2dRowPairsAvx2.Backward(pDy, relu ? pMaxima : null, pIndices, pDx, Planes, g), $"width {width}: valid positions refused");
            }

            GemmShapeTests.AssertSameBits(Scatter(dy, indices, maxima, Planes, Height * width, relu), dx[..inputLength], $"width {width}, relu {relu}");
            Assert.All(dx.Skip(inputLength), value => Assert.Equal(Guard, value));
        }

        foreach (int window in new[] { 0, outputLength / 2, outputLength - 1 })
        {
            int[] wrong = (int[])indices.Clone();
            wrong[window] += 2 * width;  // the position two rows down: in the window below, or past the plane
            float[] dx = Guarded(inputLength);
            fixed (float* pDy = dy, pDx = dx)
            fixed (int* pIndices = wrong)
            {
                Assert.False(MaxPool2dRowPairsAvx2.Backward(pDy, null, pIndices, pDx, Planes, g), $"width {width}: window {window}'s position outside it taken");
            }
        }
    }

    [Fact]
    public void TakesTwoByTwoWindowsOverEvenPlanesOfAtMost16WindowsARow()
    {
        bool avx2Only = GemmIsaSelector.IsSupported(GemmIsa.Avx2) && !GemmIsaSelector.IsSupported(GemmIsa.Avx512);
        Assert.Equal(avx2Only, MaxPool2dRowPairsAvx2.Applies(Pool2dGeometry.Create(1, 4, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1, ceilMode: false)));  // LeNet pool1
        Assert.Equal(avx2Only, MaxPool2dRowPairsAvx2.Applies(Pool2dGeometry.Create(1, 4, 10, 10, 2, 2, 2, 2, 0, 0, 1, 1, ceilMode: false)));   // LeNet pool2
        Assert.False(MaxPool2dRowPairsAvx2.Applies(Pool2dGeometry.Create(1, 4, 34, 34, 2, 2, 2, 2, 0, 0, 1, 1, ceilMode: false)));             // 17 windows a row
        Assert.False(MaxPool2dRowPairsAvx2.Applies(Pool2dGeometry.Create(1, 4, 9, 10, 2, 2, 2, 2, 0, 0, 1, 1, ceilMode: false)));                // odd height
        Assert.False(MaxPool2dRowPairsAvx2.Applies(Pool2dGeometry.Create(1, 4, 10, 11, 2, 2, 2, 2, 0, 0, 1, 1, ceilMode: false)));               // odd width
        Assert.False(MaxPool2dRowPairsAvx2.Applies(Pool2dGeometry.Create(1, 4, 10, 10, 3, 3, 2, 2, 1, 1, 1, 1, ceilMode: false)));               // 3 × 3 windows
    }

    private static float[] Guarded(int length)
    {
        float[] values = new float[length + GuardFloats];
        values.AsSpan(length).Fill(Guard);
        return values;
    }

    /// <summary><c>0 + dy</c> at each window's maximum (nothing where <paramref name="relu"/> and the maximum is at most 0), +0 elsewhere.</summary>
    private static float[] Scatter(float[] dy, int[] indices, float[] maxima, int planes, int plane, bool relu)
    {
        float[] dx = new float[planes * plane];
        int outPlane = dy.Length / planes;
        for (int o = 0; o < dy.Length; o++)
        {
            if (!relu || !(maxima[o] <= 0f))
            {
                dx[((o / outPlane) * plane) + indices[o]] += dy[o];
            }
        }

        return dx;
    }
}
