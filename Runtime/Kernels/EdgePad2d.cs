using System;
using System.Numerics;

namespace StaticGrad.Kernels;

/// <summary>
/// The passes of <see cref="ReflectionPad2d"/> and <see cref="ReplicationPad2d"/>: output position <c>j</c> along an axis
/// with <c>before</c> added ahead of an input of <c>size</c> reads input position <c>u = j - before</c>, brought inside
/// <c>[0, size)</c> by reflecting about the edge (<c>-u</c>, or <c>2·(size - 1) - u</c>) or by clamping to it; a negative
/// amount crops, as PyTorch 1.13's formulas do (<c>reflection_pad2d_out_frame</c>, <c>replication_pad2d_out_frame</c>). The
/// backward pass adds each output gradient to the input position it read, output positions in scan order (rows, then
/// columns), onto a cleared gradient, as PyTorch's backward frames do, so a position read several times gets PyTorch's sum.
/// </summary>
internal static unsafe class EdgePad2d
{
    /// <summary>The input position output position <paramref name="j"/> reads.</summary>
    public static int Source(int j, int before, int size, bool reflect)
    {
        int u = j - before;
        if (reflect)
        {
            return u < 0 ? -u : u >= size ? (2 * (size - 1)) - u : u;
        }

        return Math.Clamp(u, 0, size - 1);
    }

    /// <summary>The forward pass: each output value is the input value it reads.</summary>
    public static void Forward(
        ReadOnlySpan<float> input, Span<float> output, int batch, int channels, int height, int width, int left, int right, int top, int bottom,
        bool reflect)
        => Run(input, output, batch, channels, height, width, left, right, top, bottom, reflect, backward: false, nameof(input), nameof(output));

    /// <summary>The backward pass: the input gradient, overwritten, sums the output gradients of the positions that read each input value.</summary>
    public static void Backward(
        ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch, int channels, int height, int width, int left, int right, int top, int bottom,
        bool reflect)
        => Run(outputGradient, inputGradient, batch, channels, height, width, left, right, top, bottom, reflect, backward: true, nameof(outputGradient), nameof(inputGradient));

    /// <summary>Checks the arguments, then runs the pass over the planes: <paramref name="from"/> is read, <paramref name="to"/> written.</summary>
    private static void Run(
        ReadOnlySpan<float> from, Span<float> to, int batch, int channels, int height, int width, int left, int right, int top, int bottom,
        bool reflect, bool backward, string fromName, string toName)
    {
        KernelGuard.NonNegative(batch, nameof(batch));
        KernelGuard.Positive(channels, nameof(channels));
        (int outHeight, int outWidth) = ZeroPad2d.PaddedSize(height, width, left, right, top, bottom);
        if (reflect)
        {
            // PyTorch: "Padding size should be less than the corresponding input dimension".
            BelowSize(left, width, nameof(left), nameof(width));
            BelowSize(right, width, nameof(right), nameof(width));
            BelowSize(top, height, nameof(top), nameof(height));
            BelowSize(bottom, height, nameof(bottom), nameof(height));
        }

        int planes = checked(batch * channels), plane = checked(height * width), padded = checked(outHeight * outWidth);
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
                OutHeight = outHeight, OutWidth = outWidth, Left = left, Top = top, Reflect = reflect, Backward = backward,
            };
            PlaneParts.Run(ref pass, planes, padded);
        }
    }

    private static void BelowSize(int padding, int size, string paddingName, string sizeName)
    {
        if (padding >= size)
        {
            throw new ArgumentOutOfRangeException(paddingName, padding, $"Expected {paddingName} below the input's {sizeName} ({size}) for reflection padding, got {padding}.");
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
        public bool Reflect;
        public bool Backward;

        public readonly void Run(int first, int end)
        {
            // Output columns [start, stop) read input columns start - Left onwards in place.
            int start = Math.Clamp(Left, 0, OutWidth), stop = Math.Clamp(Left + Width, start, OutWidth);
            for (int p = first; p < end; p++)
            {
                float* plane = Input + ((nint)p * Height * Width);
                float* target = Output + ((nint)p * OutHeight * OutWidth);
                if (Backward)
                {
                    new Span<float>(plane, Height * Width).Clear();
                }

                for (int r = 0; r < OutHeight; r++, target += OutWidth)
                {
                    float* row = plane + ((nint)Source(r, Top, Height, Reflect) * Width);
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

        private readonly void CopyRow(float* row, float* target, int start, int stop)
        {
            for (int j = 0; j < start; j++)
            {
                target[j] = row[Source(j, Left, Width, Reflect)];
            }

            RowCopy.Copy(row + (start - Left), target + start, stop - start);
            for (int j = stop; j < OutWidth; j++)
            {
                target[j] = row[Source(j, Left, Width, Reflect)];
            }
        }

        private readonly void AddRow(float* gradient, float* row, int start, int stop)
        {
            for (int j = 0; j < start; j++)
            {
                row[Source(j, Left, Width, Reflect)] += gradient[j];
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
                row[Source(j, Left, Width, Reflect)] += gradient[j];
            }
        }
    }
}
