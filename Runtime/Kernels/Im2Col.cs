using System;
using System.Numerics;

namespace StaticGrad.Kernels;

/// <summary>
/// The column matrix of a convolution and its adjoint. For input channels <c>c</c> of one sample, row
/// <c>(c·kh + i)·kw + j</c> holds, at column <c>oh·OW + ow</c>, the input value under kernel element
/// <c>(i, j)</c> of the window at <c>(oh, ow)</c>: <c>x[c, oh·sh - ph + i·dh, ow·sw - pw + j·dw]</c>, or 0 in
/// the padding. A convolution is then a matrix product of the weights <c>[out, channels·kh·kw]</c> with it.
/// </summary>
/// <remarks>
/// Each row is a few runs: output rows whose input row is padding (one block of zeros above, one below), and in
/// between, per output row, the zeros of the left and right padding around a run of input values (a vector copy
/// when the stride is 1). Per-call overheads of span helpers dominate at LeNet's sizes (rows of 10 to 28 values),
/// so the runs are plain pointer loops.
/// </remarks>
internal static unsafe class Im2Col
{
    /// <summary>
    /// Writes the rows of <paramref name="channels"/> channels of one sample (<paramref name="input"/>: their planes,
    /// one after another) to <paramref name="columns"/>, row <c>r</c> at <c>columns + r·rowStride</c>, <c>OH·OW</c>
    /// values each. Every value of those rows is written (padding as 0).
    /// </summary>
    public static void Gather(float* input, int channels, in Conv2dGeometry g, float* columns, nint rowStride)
    {
        int outWidth = g.OutWidth, width = g.Width, strideWidth = g.StrideWidth;
        float* row = columns;
        for (int c = 0; c < channels; c++)
        {
            float* plane = input + ((nint)c * g.InputPlane);
            for (int i = 0; i < g.KernelHeight; i++)
            {
                int rowOffset = (i * g.DilationHeight) - g.PaddingHeight;
                (int firstRow, int endRow) = ValidRange(rowOffset, g.StrideHeight, g.Height, g.OutHeight);
                for (int j = 0; j < g.KernelWidth; j++, row += rowStride)
                {
                    int offset = (j * g.DilationWidth) - g.PaddingWidth;
                    (int first, int end) = ValidRange(offset, strideWidth, width, outWidth);
                    Zero(row, (nint)firstRow * outWidth);
                    Zero(row + ((nint)endRow * outWidth), (nint)(g.OutHeight - endRow) * outWidth);
                    for (int oh = firstRow; oh < endRow; oh++)
                    {
                        float* destination = row + ((nint)oh * outWidth);
                        float* source = plane + ((nint)((oh * g.StrideHeight) + rowOffset) * width) + offset;
                        Zero(destination, first);
                        Zero(destination + end, outWidth - end);
                        if (strideWidth == 1)
                        {
                            RowCopy.Copy(source + first, destination + first, end - first);
                        }
                        else
                        {
                            for (int ow = first; ow < end; ow++)
                            {
                                destination[ow] = source[(nint)ow * strideWidth];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Gather"/>: adds every value of the rows of <paramref name="channels"/> channels
    /// (laid out as <see cref="Gather"/> writes them) to the input position it came from, in row order, then
    /// column order; padding positions are dropped. <paramref name="inputGradient"/> is not cleared.
    /// </summary>
    public static void ScatterAdd(float* columns, nint rowStride, int channels, in Conv2dGeometry g, float* inputGradient)
    {
        int outWidth = g.OutWidth, width = g.Width, strideWidth = g.StrideWidth;
        float* row = columns;
        for (int c = 0; c < channels; c++)
        {
            float* plane = inputGradient + ((nint)c * g.InputPlane);
            for (int i = 0; i < g.KernelHeight; i++)
            {
                int rowOffset = (i * g.DilationHeight) - g.PaddingHeight;
                (int firstRow, int endRow) = ValidRange(rowOffset, g.StrideHeight, g.Height, g.OutHeight);
                for (int j = 0; j < g.KernelWidth; j++, row += rowStride)
                {
                    int offset = (j * g.DilationWidth) - g.PaddingWidth;
                    (int first, int end) = ValidRange(offset, strideWidth, width, outWidth);
                    for (int oh = firstRow; oh < endRow; oh++)
                    {
                        float* source = row + ((nint)oh * outWidth);
                        float* destination = plane + ((nint)((oh * g.StrideHeight) + rowOffset) * width) + offset;
                        if (strideWidth == 1)
                        {
                            Add(source + first, destination + first, end - first);
                        }
                        else
                        {
                            for (int ow = first; ow < end; ow++)
                            {
                                destination[(nint)ow * strideWidth] += source[ow];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>The output positions <c>[first, end)</c> whose input position <c>o·stride + offset</c> lies in <c>[0, size)</c>.</summary>
    private static (int First, int End) ValidRange(int offset, int stride, int size, int outSize)
    {
        int first = offset >= 0 ? 0 : Math.Min(outSize, (-offset + stride - 1) / stride);
        int end = offset > size - 1 ? 0 : Math.Min(outSize, ((size - 1 - offset) / stride) + 1);
        return (first, Math.Max(first, end));
    }

    private static void Zero(float* destination, nint count)
    {
        for (nint k = 0; k < count; k++)
        {
            destination[k] = 0f;
        }
    }

    /// <summary>
    /// <c>destination[k] += source[k]</c>: one rounding per element at any vector width. No masked tail here: the next
    /// run adds to the same values shifted by one, and a load overlapping a masked store waits for it (measured: conv2's
    /// input gradient 505 -> 810 µs with masked tails).
    /// </summary>
    private static void Add(float* source, float* destination, int count)
    {
        int k = 0;
        for (; k + Vector<float>.Count <= count; k += Vector<float>.Count)
        {
            Vector.Store(Vector.Load(destination + k) + Vector.Load(source + k), destination + k);
        }

        for (; k < count; k++)
        {
            destination[k] += source[k];
        }
    }
}
