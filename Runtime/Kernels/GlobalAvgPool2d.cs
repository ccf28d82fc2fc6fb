using System;

namespace StaticGrad.Kernels;

/// <summary>
/// Global average pooling, PyTorch's <c>nn.AdaptiveAvgPool2d(1)</c> (and <c>x.mean((2, 3), keepdim=True)</c>): input
/// <c>[batch, channels, height, width]</c> to output <c>[batch, channels, 1, 1]</c>, the mean of each plane.
/// </summary>
public static unsafe class GlobalAvgPool2d
{
    /// <summary>The forward pass: each plane summed in double in order, divided by <c>height · width</c>, rounded once to float.</summary>
    /// <param name="input"><c>[batch, channels, height, width]</c>.</param>
    /// <param name="output">Receives <c>[batch, channels]</c>; must not overlap <paramref name="input"/>.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps.</exception>
    public static void Forward(ReadOnlySpan<float> input, Span<float> output, int batch, int channels, int height, int width)
    {
        (int planes, int plane) = Check(batch, channels, height, width);
        KernelGuard.Holds(input.Length, planes, plane, nameof(input), "batch*channels*height*width");
        KernelGuard.Holds(output.Length, planes, nameof(output), "batch*channels");
        KernelGuard.NoOverlap(input, output, nameof(input), nameof(output));
        fixed (float* x = input)
        fixed (float* y = output)
        {
            var pass = new Pass { From = x, To = y, Plane = plane };
            PlaneParts.Run(ref pass, planes, plane);
        }
    }

    /// <summary>The backward pass: every input of a plane receives <c>dY / (height · width)</c>, overwriting <paramref name="inputGradient"/>.</summary>
    /// <param name="outputGradient">dL/d(output), <c>[batch, channels]</c>.</param>
    /// <param name="inputGradient">Receives dL/d(input), <c>[batch, channels, height, width]</c>; must not overlap <paramref name="outputGradient"/>.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps.</exception>
    public static void Backward(ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch, int channels, int height, int width)
    {
        (int planes, int plane) = Check(batch, channels, height, width);
        KernelGuard.Holds(outputGradient.Length, planes, nameof(outputGradient), "batch*channels");
        KernelGuard.Holds(inputGradient.Length, planes, plane, nameof(inputGradient), "batch*channels*height*width");
        KernelGuard.NoOverlap(outputGradient, inputGradient, nameof(outputGradient), nameof(inputGradient));
        fixed (float* dy = outputGradient)
        fixed (float* dx = inputGradient)
        {
            var pass = new Pass { From = dy, To = dx, Plane = plane, Backward = true };
            PlaneParts.Run(ref pass, planes, plane);
        }
    }

    /// <summary>
    /// One pass over planes: the forward pass reads input planes (<see cref="From"/>) and writes their means; the backward
    /// pass reads the means' gradients and fills input-gradient planes (<see cref="To"/>).
    /// </summary>
    private struct Pass : IPlanePass
    {
        public float* From;
        public float* To;
        public int Plane;
        public bool Backward;

        public readonly void Run(int first, int end)
        {
            for (int p = first; p < end; p++)
            {
                if (Backward)
                {
                    new Span<float>(To + ((nint)p * Plane), Plane).Fill(From[p] / Plane);
                }
                else
                {
                    To[p] = Mean(From + ((nint)p * Plane), Plane);
                }
            }
        }

        private static float Mean(float* values, int count)
        {
            double sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0;
            int i = 0;
            for (; i + 4 <= count; i += 4)
            {
                sum0 += values[i];
                sum1 += values[i + 1];
                sum2 += values[i + 2];
                sum3 += values[i + 3];
            }

            for (; i < count; i++)
            {
                sum0 += values[i];
            }

            return (float)(((sum0 + sum1) + (sum2 + sum3)) / count);
        }
    }

    /// <summary>Checks an image's dimensions (batch zero or more, the rest positive); returns its planes and their size.</summary>
    internal static (int Planes, int Plane) Check(int batch, int channels, int height, int width)
    {
        KernelGuard.NonNegative(batch, nameof(batch));
        KernelGuard.Positive(channels, nameof(channels));
        KernelGuard.Positive(height, nameof(height));
        KernelGuard.Positive(width, nameof(width));
        return (KernelGuard.Product(nameof(channels), "batch*channels", batch, channels), KernelGuard.Product(nameof(width), "height*width", height, width));
    }
}
