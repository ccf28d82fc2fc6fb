using System;

namespace StaticGrad.Kernels;

/// <summary>
/// Zero padding of image planes, PyTorch's <c>nn.ZeroPad2d((left, right, top, bottom))</c> (<c>F.pad</c> with zeros): input
/// <c>[batch, channels, height, width]</c> to output <c>[batch, channels, top + height + bottom, left + width + right]</c>.
/// A negative amount crops that side, as in PyTorch. The backward pass is the same operation with every amount negated
/// (the gradient of the padding is dropped, that of a cropped value is zero), so both run through one pass; they copy
/// values and write zeros, so results are exact.
/// </summary>
public static unsafe class ZeroPad2d
{
    /// <summary>The forward pass: each output plane is its input plane moved by (<paramref name="top"/>, <paramref name="left"/>), zeros around it.</summary>
    /// <param name="input"><c>[batch, channels, height, width]</c>.</param>
    /// <param name="output">Receives <c>[batch, channels, top + height + bottom, left + width + right]</c>; must not overlap <paramref name="input"/>.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="left">Zero columns before each row (negative: columns removed).</param>
    /// <param name="right">Zero columns after each row (negative: columns removed).</param>
    /// <param name="top">Zero rows before each plane (negative: rows removed).</param>
    /// <param name="bottom">Zero rows after each plane (negative: rows removed).</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range, or the padded height or width is not positive.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps.</exception>
    public static void Forward(
        ReadOnlySpan<float> input, Span<float> output, int batch, int channels, int height, int width, int left, int right, int top, int bottom)
        => Run(input, output, batch, channels, height, width, left, right, top, bottom, nameof(input), nameof(output));

    /// <summary>The backward pass: the gradient of each input value is that of the output value it was copied to; overwrites <paramref name="inputGradient"/>.</summary>
    /// <param name="outputGradient">dL/d(output), <c>[batch, channels, top + height + bottom, left + width + right]</c>.</param>
    /// <param name="inputGradient">Receives dL/d(input), <c>[batch, channels, height, width]</c>; must not overlap <paramref name="outputGradient"/>.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="left">The forward pass's columns before each row.</param>
    /// <param name="right">The forward pass's columns after each row.</param>
    /// <param name="top">The forward pass's rows before each plane.</param>
    /// <param name="bottom">The forward pass's rows after each plane.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range, or the padded height or width is not positive.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps.</exception>
    public static void Backward(
        ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch, int channels, int height, int width, int left, int right, int top, int bottom)
    {
        (int outHeight, int outWidth) = PaddedSize(height, width, left, right, top, bottom);
        Run(outputGradient, inputGradient, batch, channels, outHeight, outWidth, -left, -right, -top, -bottom, nameof(outputGradient), nameof(inputGradient));
    }

    /// <summary>The padded plane's height and width; throws when either is not positive.</summary>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="left">Columns before each row.</param>
    /// <param name="right">Columns after each row.</param>
    /// <param name="top">Rows before each plane.</param>
    /// <param name="bottom">Rows after each plane.</param>
    /// <returns><c>(top + height + bottom, left + width + right)</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public static (int Height, int Width) PaddedSize(int height, int width, int left, int right, int top, int bottom)
    {
        KernelGuard.Positive(height, nameof(height));
        KernelGuard.Positive(width, nameof(width));
        long outHeight = (long)height + top + bottom, outWidth = (long)width + left + right;
        if (outHeight <= 0 || outHeight > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(top), top, $"Expected top + height + bottom from 1 to {int.MaxValue}, got {top} + {height} + {bottom}.");
        }

        if (outWidth <= 0 || outWidth > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(left), left, $"Expected left + width + right from 1 to {int.MaxValue}, got {left} + {width} + {right}.");
        }

        return ((int)outHeight, (int)outWidth);
    }

    private static void Run(
        ReadOnlySpan<float> input, Span<float> output, int batch, int channels, int height, int width, int left, int right, int top, int bottom,
        string inputName, string outputName)
    {
        KernelGuard.NonNegative(batch, nameof(batch));
        KernelGuard.Positive(channels, nameof(channels));
        (int outHeight, int outWidth) = PaddedSize(height, width, left, right, top, bottom);
        int planes = KernelGuard.Product(nameof(channels), "batch*channels", batch, channels);
        KernelGuard.Holds(input.Length, planes, KernelGuard.Product(nameof(width), "height*width", height, width), inputName, "batch*channels*height*width");
        KernelGuard.Holds(output.Length, planes, KernelGuard.Product(nameof(right), "(top+height+bottom)*(left+width+right)", outHeight, outWidth), outputName, "batch*channels*(top+height+bottom)*(left+width+right)");
        KernelGuard.NoOverlap(input, output, inputName, outputName);
        fixed (float* x = input)
        fixed (float* y = output)
        {
            var pass = new Pass
            {
                From = x, To = y, Height = height, Width = width, OutHeight = outHeight, OutWidth = outWidth, Left = left, Top = top,
            };
            PlaneParts.Run(ref pass, planes, (long)outHeight * outWidth);
        }
    }

    /// <summary>Output planes <c>[first, end)</c>: each row is zeros, then the overlapping run of its source row, then zeros.</summary>
    private struct Pass : IPlanePass
    {
        public float* From;
        public float* To;
        public int Height;
        public int Width;
        public int OutHeight;
        public int OutWidth;
        public int Left;
        public int Top;

        public readonly void Run(int first, int end)
        {
            // The columns [start, start + count) of an output row take the source columns from sourceStart on.
            int start = Math.Max(0, Left), sourceStart = Math.Max(0, -Left);
            int count = Math.Max(0, Math.Min(Width - sourceStart, OutWidth - start));
            for (int p = first; p < end; p++)
            {
                float* source = From + ((nint)p * Height * Width);
                float* target = To + ((nint)p * OutHeight * OutWidth);
                for (int r = 0; r < OutHeight; r++, target += OutWidth)
                {
                    int sourceRow = r - Top;
                    if (sourceRow < 0 || sourceRow >= Height || count == 0)
                    {
                        new Span<float>(target, OutWidth).Clear();
                        continue;
                    }

                    new Span<float>(target, start).Clear();
                    RowCopy.Copy(source + ((nint)sourceRow * Width) + sourceStart, target + start, count);
                    new Span<float>(target + start + count, OutWidth - start - count).Clear();
                }
            }
        }
    }
}
