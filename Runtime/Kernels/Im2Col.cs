using System;

namespace StaticGrad.Kernels;

/// <summary>
/// The column matrix of a convolution and its adjoint. For input channels <c>c</c> of one sample, row
/// <c>(c·kh + i)·kw + j</c> holds, at column <c>oh·OW + ow</c>, the input value under kernel element
/// <c>(i, j)</c> of the window at <c>(oh, ow)</c>: <c>x[c, oh·sh - ph + i·dh, ow·sw - pw + j·dw]</c>, or 0 in
/// the padding. A convolution is then a matrix product of the weights <c>[out, channels·kh·kw]</c> with it.
/// </summary>
internal static unsafe class Im2Col
{
    /// <summary>
    /// Writes the rows of <paramref name="channels"/> channels of one sample (<paramref name="input"/>: their planes,
    /// one after another) to <paramref name="columns"/>, row <c>r</c> at <c>columns + r·rowStride</c>, <c>OH·OW</c>
    /// values each. Every value of those rows is written (padding as 0).
    /// </summary>
    public static void Gather(float* input, int channels, in Conv2dGeometry g, float* columns, nint rowStride)
    {
        int outWidth = g.OutWidth, outHeight = g.OutHeight, width = g.Width, height = g.Height, strideWidth = g.StrideWidth;
        float* row = columns;
        for (int c = 0; c < channels; c++)
        {
            float* plane = input + ((nint)c * g.InputPlane);
            for (int i = 0; i < g.KernelHeight; i++)
            {
                for (int j = 0; j < g.KernelWidth; j++, row += rowStride)
                {
                    int offset = (j * g.DilationWidth) - g.PaddingWidth;
                    (int first, int end) = ValidRange(offset, strideWidth, width, outWidth);
                    for (int oh = 0; oh < outHeight; oh++)
                    {
                        float* destination = row + ((nint)oh * outWidth);
                        int ih = (oh * g.StrideHeight) - g.PaddingHeight + (i * g.DilationHeight);
                        if ((uint)ih >= (uint)height)
                        {
                            new Span<float>(destination, outWidth).Clear();
                            continue;
                        }

                        new Span<float>(destination, first).Clear();
                        new Span<float>(destination + end, outWidth - end).Clear();
                        float* source = plane + ((nint)ih * width) + offset;
                        if (strideWidth == 1)
                        {
                            new ReadOnlySpan<float>(source + first, end - first).CopyTo(new Span<float>(destination + first, end - first));
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
        int outWidth = g.OutWidth, outHeight = g.OutHeight, width = g.Width, height = g.Height, strideWidth = g.StrideWidth;
        float* row = columns;
        for (int c = 0; c < channels; c++)
        {
            float* plane = inputGradient + ((nint)c * g.InputPlane);
            for (int i = 0; i < g.KernelHeight; i++)
            {
                for (int j = 0; j < g.KernelWidth; j++, row += rowStride)
                {
                    int offset = (j * g.DilationWidth) - g.PaddingWidth;
                    (int first, int end) = ValidRange(offset, strideWidth, width, outWidth);
                    for (int oh = 0; oh < outHeight; oh++)
                    {
                        int ih = (oh * g.StrideHeight) - g.PaddingHeight + (i * g.DilationHeight);
                        if ((uint)ih >= (uint)height)
                        {
                            continue;
                        }

                        float* source = row + ((nint)oh * outWidth);
                        float* destination = plane + ((nint)ih * width) + offset;
                        for (int ow = first; ow < end; ow++)
                        {
                            destination[(nint)ow * strideWidth] += source[ow];
                        }
                    }
                }
            }
        }
    }

    /// <summary>The output columns <c>[first, end)</c> whose input column <c>ow·stride + offset</c> lies in <c>[0, width)</c>.</summary>
    private static (int First, int End) ValidRange(int offset, int stride, int width, int outWidth)
    {
        int first = offset >= 0 ? 0 : Math.Min(outWidth, (-offset + stride - 1) / stride);
        int end = offset > width - 1 ? 0 : Math.Min(outWidth, ((width - 1 - offset) / stride) + 1);
        return (first, Math.Max(first, end));
    }
}
