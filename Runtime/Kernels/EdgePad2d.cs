using System;
using System.Numerics;

namespace StaticGrad.Kernels;

/// <summary>
/// The passes of <see cref="ReflectionPad2d"/>, <see cref="ReplicationPad2d"/> and <see cref="CircularPad2d"/>: output
/// position <c>j</c> along an axis with <c>before</c> added ahead of an input of <c>size</c> reads input position
/// <c>u = j - before</c>, brought inside <c>[0, size)</c> by reflecting about the edge (<c>-u</c>, or
/// <c>2·(size - 1) - u</c>), by clamping to it, or by wrapping around (<c>u mod size</c>); a negative amount crops, as
/// PyTorch 1.13's formulas do (<c>reflection_pad2d_out_frame</c>, <c>replication_pad2d_out_frame</c>; circular padding
/// takes no negative amounts, since PyTorch wraps what is left after a crop). The backward pass adds up, for each input
/// value, the gradients of the positions that read it in PyTorch's order, so a value read several times gets PyTorch's
/// sum: for reflection and replication each output gradient onto a cleared gradient, output positions in scan order
/// (rows, then columns), as the backward frames do; for circular padding the order autograd takes back through
/// <c>_pad_circular</c>'s copies (the columns copied first, then whole rows): per column, the row's own gradient, plus
/// the bottom rows' copy of it, plus the top rows'; then per value, its column's sum, plus the right columns' copy, plus
/// the left columns'.
/// </summary>
internal static unsafe class EdgePad2d
{
    /// <summary>The input position output position <paramref name="j"/> reads.</summary>
    public static int Source(int j, int before, int size, PaddingMode mode)
    {
        int u = j - before;
        return mode switch
        {
            PaddingMode.Reflect => u < 0 ? -u : u >= size ? (2 * (size - 1)) - u : u,
            PaddingMode.Circular => u < 0 ? u + size : u >= size ? u - size : u,
            _ => Math.Clamp(u, 0, size - 1),
        };
    }

    /// <summary>The forward pass: each output value is the input value it reads.</summary>
    public static void Forward(
        ReadOnlySpan<float> input, Span<float> output, int batch, int channels, int height, int width, int left, int right, int top, int bottom,
        PaddingMode mode)
        => Run(input, output, batch, channels, height, width, left, right, top, bottom, mode, backward: false, nameof(input), nameof(output));

    /// <summary>The backward pass: the input gradient, overwritten, sums the output gradients of the positions that read each input value.</summary>
    public static void Backward(
        ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch, int channels, int height, int width, int left, int right, int top, int bottom,
        PaddingMode mode)
        => Run(outputGradient, inputGradient, batch, channels, height, width, left, right, top, bottom, mode, backward: true, nameof(outputGradient), nameof(inputGradient));

    /// <summary>Checks the arguments, then runs the pass over the planes: <paramref name="from"/> is read, <paramref name="to"/> written.</summary>
    private static void Run(
        ReadOnlySpan<float> from, Span<float> to, int batch, int channels, int height, int width, int left, int right, int top, int bottom,
        PaddingMode mode, bool backward, string fromName, string toName)
    {
        KernelGuard.NonNegative(batch, nameof(batch));
        KernelGuard.Positive(channels, nameof(channels));
        (int outHeight, int outWidth) = ZeroPad2d.PaddedSize(height, width, left, right, top, bottom);
        if (mode != PaddingMode.Replicate)
        {
            // PyTorch: "Padding size should be less than the corresponding input dimension", "Padding value causes wrapping around more than once".
            Within(left, width, mode, nameof(left), nameof(width));
            Within(right, width, mode, nameof(right), nameof(width));
            Within(top, height, mode, nameof(top), nameof(height));
            Within(bottom, height, mode, nameof(bottom), nameof(height));
        }

        int planes = KernelGuard.Product(nameof(channels), "batch*channels", batch, channels);
        int plane = KernelGuard.Product(nameof(width), "height*width", height, width);
        int padded = KernelGuard.Product(nameof(right), "(top+height+bottom)*(left+width+right)", outHeight, outWidth);
        const string Plane = "batch*channels*height*width", Padded = "batch*channels*(top+height+bottom)*(left+width+right)";
        KernelGuard.Holds(from.Length, planes, backward ? padded : plane, fromName, backward ? Padded : Plane);
        KernelGuard.Holds(to.Length, planes, backward ? plane : padded, toName, backward ? Plane : Padded);
        KernelGuard.NoOverlap(from, to, fromName, toName);
        fixed (float* source = from)
        fixed (float* target = to)
        {
            var pass = new Pass
            {
                Input = backward ? target : source, Output = backward ? source : target, Height = height, Width = width,
                OutHeight = outHeight, OutWidth = outWidth, Left = left, Top = top, Mode = mode, Backward = backward,
            };
            PlaneParts.Run(ref pass, planes, padded);
        }
    }

    /// <summary>Reflection takes amounts below the size; circular padding from 0 to the size.</summary>
    private static void Within(int padding, int size, PaddingMode mode, string paddingName, string sizeName)
    {
        if (mode == PaddingMode.Reflect && padding >= size)
        {
            throw new ArgumentOutOfRangeException(paddingName, padding, $"Expected {paddingName} below the input's {sizeName} ({size}) for reflection padding, got {padding}.");
        }

        if (mode == PaddingMode.Circular && (padding < 0 || padding > size))
        {
            throw new ArgumentOutOfRangeException(paddingName, padding, $"Expected {paddingName} from 0 to the input's {sizeName} ({size}) for circular padding, got {padding}.");
        }
    }

    /// <summary>
    /// Planes <c>[first, end)</c>, output rows in order: a row's columns before the input's (read one by one), the run
    /// that reads the input row in place (copied, or added as a vector), then the columns after it (one by one).
    /// </summary>
    private struct Pass : IPlanePass
    {
        public float* Input;
        public float* Output;
        public int Height;
        public int Width;
        public int OutHeight;
        public int OutWidth;
        public int Left;
        public int Top;
        public PaddingMode Mode;
        public bool Backward;

        public readonly void Run(int first, int end)
        {
            // Output columns [start, stop) read input columns start - Left onwards in place.
            int start = Math.Clamp(Left, 0, OutWidth), stop = Math.Clamp(Left + Width, start, OutWidth);
            for (int p = first; p < end; p++)
            {
                float* plane = Input + ((nint)p * Height * Width);
                float* target = Output + ((nint)p * OutHeight * OutWidth);
                if (Backward && Mode == PaddingMode.Circular)
                {
                    CircularGradient(target, plane);
                    continue;
                }

                if (Backward)
                {
                    new Span<float>(plane, Height * Width).Clear();
                }

                for (int r = 0; r < OutHeight; r++, target += OutWidth)
                {
                    float* row = plane + ((nint)Source(r, Top, Height, Mode) * Width);
                    if (Backward)
                    {
                        AddRow(target, row, start, stop);
                    }
                    else
                    {
                        CopyRow(row, target, start, stop);
                    }
                }
            }
        }

        /// <summary>One plane's circular-padding gradient in autograd's order (see the class summary).</summary>
        private readonly void CircularGradient(float* gradient, float* plane)
        {
            int right = OutWidth - Width - Left, bottom = OutHeight - Height - Top;
            for (int y = 0; y < Height; y++)
            {
                // The rows whose gradient this input row sums: its own, the bottom padding's copy, the top padding's copy.
                float* own = gradient + ((nint)(y + Top) * OutWidth);
                float* below = y < bottom ? gradient + ((nint)(Top + Height + y) * OutWidth) : null;
                float* above = y >= Height - Top ? gradient + ((nint)(y - (Height - Top)) * OutWidth) : null;
                for (int x = 0; x < Width; x++)
                {
                    float sum = RowsSum(own, below, above, x + Left);
                    if (x < right)
                    {
                        sum += RowsSum(own, below, above, Left + Width + x);
                    }

                    if (x >= Width - Left)
                    {
                        sum += RowsSum(own, below, above, x - (Width - Left));
                    }

                    plane[((nint)y * Width) + x] = sum;
                }
            }
        }

        private static float RowsSum(float* own, float* below, float* above, int column)
        {
            float sum = own[column];
            if (below is not null)
            {
                sum += below[column];
            }

            if (above is not null)
            {
                sum += above[column];
            }

            return sum;
        }

        private readonly void CopyRow(float* row, float* target, int start, int stop)
        {
            for (int j = 0; j < start; j++)
            {
                target[j] = row[Source(j, Left, Width, Mode)];
            }

            RowCopy.Copy(row + (start - Left), target + start, stop - start);
            for (int j = stop; j < OutWidth; j++)
            {
                target[j] = row[Source(j, Left, Width, Mode)];
            }
        }

        private readonly void AddRow(float* gradient, float* row, int start, int stop)
        {
            for (int j = 0; j < start; j++)
            {
                row[Source(j, Left, Width, Mode)] += gradient[j];
            }

            // One add per input value here, so adding a vector at a time keeps the scan order's bits.
            float* source = gradient + start, destination = row + (start - Left);
            int count = stop - start, k = 0;
            for (; k + Vector<float>.Count <= count; k += Vector<float>.Count)
            {
                (Vector.Load(destination + k) + Vector.Load(source + k)).Store(destination + k);
            }

            for (; k < count; k++)
            {
                destination[k] += source[k];
            }

            for (int j = stop; j < OutWidth; j++)
            {
                row[Source(j, Left, Width, Mode)] += gradient[j];
            }
        }
    }
}
