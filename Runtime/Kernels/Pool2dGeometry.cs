using System;

namespace StaticGrad.Kernels;

/// <summary>The validated shape of a 2-d pooling window over NCHW planes, as <see cref="MaxPool2d"/> and <see cref="AvgPool2d"/> see it.</summary>
internal readonly struct Pool2dGeometry
{
    /// <summary>Planes (<c>batch · channels</c>), input height and width, output height and width.</summary>
    public readonly int Planes, Height, Width, OutHeight, OutWidth;

    /// <summary>Kernel size, stride, padding and dilation per dimension.</summary>
    public readonly int KernelHeight, KernelWidth, StrideHeight, StrideWidth, PaddingHeight, PaddingWidth, DilationHeight, DilationWidth;

    private Pool2dGeometry(int planes, int height, int width, int outHeight, int outWidth, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int paddingHeight, int paddingWidth, int dilationHeight, int dilationWidth)
    {
        (Planes, Height, Width, OutHeight, OutWidth) = (planes, height, width, outHeight, outWidth);
        (KernelHeight, KernelWidth, StrideHeight, StrideWidth) = (kernelHeight, kernelWidth, strideHeight, strideWidth);
        (PaddingHeight, PaddingWidth, DilationHeight, DilationWidth) = (paddingHeight, paddingWidth, dilationHeight, dilationWidth);
    }

    /// <summary>Values of one input plane.</summary>
    public int InputPlane => Height * Width;

    /// <summary>Values of one output plane.</summary>
    public int OutputPlane => OutHeight * OutWidth;

    /// <summary>
    /// Whether every window ends inside the padded input (always in floor mode; in ceil mode unless a last window runs
    /// past it): the fast paths that assume whole windows check it.
    /// </summary>
    public bool WindowsInsidePaddedInput
        => ((long)(OutHeight - 1) * StrideHeight) + ((long)DilationHeight * (KernelHeight - 1)) < Height + (2L * PaddingHeight)
            && ((long)(OutWidth - 1) * StrideWidth) + ((long)DilationWidth * (KernelWidth - 1)) < Width + (2L * PaddingWidth);

    /// <summary>
    /// Validates the arguments with PyTorch's rules (padding at most half the kernel, the window fits) and returns the
    /// shape; with <paramref name="ceilMode"/> the output sizes round up (<see cref="SlidingWindow.OutputSize"/>).
    /// </summary>
    public static Pool2dGeometry Create(
        int batch, int channels, int height, int width, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
        int paddingHeight, int paddingWidth, int dilationHeight, int dilationWidth, bool ceilMode)
    {
        KernelGuard.NonNegative(batch, nameof(batch));
        KernelGuard.Positive(channels, nameof(channels));
        KernelGuard.Positive(height, nameof(height));
        KernelGuard.Positive(width, nameof(width));
        SlidingWindow.CheckWindow(kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth);
        if (paddingHeight > kernelHeight / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(paddingHeight), paddingHeight, $"Expected padding at most half the kernel ({kernelHeight / 2}).");
        }

        if (paddingWidth > kernelWidth / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(paddingWidth), paddingWidth, $"Expected padding at most half the kernel ({kernelWidth / 2}).");
        }

        int outHeight = SlidingWindow.CheckedOutputSize(height, kernelHeight, strideHeight, paddingHeight, dilationHeight, nameof(height), ceilMode);
        int outWidth = SlidingWindow.CheckedOutputSize(width, kernelWidth, strideWidth, paddingWidth, dilationWidth, nameof(width), ceilMode);
        int planes = KernelGuard.Product(nameof(channels), "batch*channels", batch, channels);
        _ = KernelGuard.Product(nameof(width), "batch*channels*height*width", planes, height, width);
        _ = KernelGuard.Product(nameof(width), "batch*channels*outHeight*outWidth", planes, outHeight, outWidth);
        return new Pool2dGeometry(planes, height, width, outHeight, outWidth, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth);
    }
}
