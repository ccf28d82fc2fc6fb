using System;
using System.Globalization;

namespace StaticGrad.Kernels;

/// <summary>The output size of a window slid along one spatial dimension, shared by convolutions and pooling.</summary>
public static class SlidingWindow
{
    /// <summary>
    /// PyTorch's output size: <c>(input + 2·padding - dilation·(kernel - 1) - 1) / stride + 1</c> with the division
    /// rounded down (floor mode, every convolution and the pools' default), or 0 when the dilated kernel does not fit the
    /// padded input. With <paramref name="ceilMode"/> (the pools' <c>ceil_mode=True</c>) the division rounds up, so a last
    /// window may run past the padded input and covers what is left, except that it must start inside the input or its
    /// leading padding (PyTorch drops a last window starting at <c>input + padding</c> or later); a kernel up to
    /// <c>stride - 1</c> longer than the padded input then still has one window, as in PyTorch.
    /// </summary>
    /// <param name="input">The input size (height or width); positive.</param>
    /// <param name="kernel">The kernel size; positive.</param>
    /// <param name="stride">The step between windows; positive.</param>
    /// <param name="padding">Implicit padding on both sides; zero or more.</param>
    /// <param name="dilation">The spacing between kernel elements; positive (1 for a dense kernel).</param>
    /// <param name="ceilMode">Round the division up (PyTorch's pooling <c>ceil_mode=True</c>) instead of down.</param>
    /// <returns>The number of window positions.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public static int OutputSize(int input, int kernel, int stride, int padding, int dilation, bool ceilMode = false)
    {
        KernelGuard.Positive(input, nameof(input));
        KernelGuard.Positive(kernel, nameof(kernel));
        KernelGuard.Positive(stride, nameof(stride));
        KernelGuard.NonNegative(padding, nameof(padding));
        KernelGuard.Positive(dilation, nameof(dilation));
        long span = ((long)dilation * (kernel - 1)) + 1;
        long padded = input + (2L * padding);
        long positions = padded - span + (ceilMode ? stride - 1 : 0);
        if (positions < 0)
        {
            return 0;
        }

        // In ceil mode a kernel up to stride - 1 longer than the padded input still has one window (PyTorch's rounding).
        long size = (positions / stride) + 1;
        if (ceilMode && (size - 1) * stride >= input + (long)padding)
        {
            size--;
        }

        return (int)size;
    }

    /// <summary>Validates a 2-d window's kernel size, stride, padding and dilation, naming the argument that is out of range.</summary>
    internal static void CheckWindow(int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int paddingHeight, int paddingWidth, int dilationHeight, int dilationWidth)
    {
        KernelGuard.Positive(kernelHeight, nameof(kernelHeight));
        KernelGuard.Positive(kernelWidth, nameof(kernelWidth));
        KernelGuard.Positive(strideHeight, nameof(strideHeight));
        KernelGuard.Positive(strideWidth, nameof(strideWidth));
        KernelGuard.NonNegative(paddingHeight, nameof(paddingHeight));
        KernelGuard.NonNegative(paddingWidth, nameof(paddingWidth));
        KernelGuard.Positive(dilationHeight, nameof(dilationHeight));
        KernelGuard.Positive(dilationWidth, nameof(dilationWidth));
    }

    /// <summary>The output size along one dimension; throws when the window does not fit, naming <paramref name="dimension"/>.</summary>
    internal static int CheckedOutputSize(int input, int kernel, int stride, int padding, int dilation, string dimension, bool ceilMode = false)
    {
        int size = OutputSize(input, kernel, stride, padding, dilation, ceilMode);
        if (size < 1)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The kernel ({kernel}, dilation {dilation}) does not fit the padded {dimension} ({input} + 2*{padding})."),
                dimension);
        }

        return size;
    }
}
