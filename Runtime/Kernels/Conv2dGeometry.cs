namespace StaticGrad.Kernels;

/// <summary>
/// The validated shape of one 2-d convolution (NCHW, PyTorch's layout) and the sizes derived from it, as the
/// <see cref="Conv2d"/> passes and <see cref="Im2Col"/> see it. Built only by <see cref="Conv2d"/>'s validation.
/// </summary>
internal readonly struct Conv2dGeometry
{
    /// <summary>Input channels, height and width.</summary>
    public readonly int Channels, Height, Width;

    /// <summary>Output channels, height and width.</summary>
    public readonly int OutChannels, OutHeight, OutWidth;

    /// <summary>Kernel size, stride, padding and dilation per dimension.</summary>
    public readonly int KernelHeight, KernelWidth, StrideHeight, StrideWidth, PaddingHeight, PaddingWidth, DilationHeight, DilationWidth;

    /// <summary>Channel groups.</summary>
    public readonly int Groups;

    public Conv2dGeometry(
        int channels, int height, int width, int outChannels, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
        int paddingHeight, int paddingWidth, int dilationHeight, int dilationWidth, int groups, int outHeight, int outWidth)
    {
        (Channels, Height, Width) = (channels, height, width);
        (OutChannels, OutHeight, OutWidth) = (outChannels, outHeight, outWidth);
        (KernelHeight, KernelWidth, StrideHeight, StrideWidth) = (kernelHeight, kernelWidth, strideHeight, strideWidth);
        (PaddingHeight, PaddingWidth, DilationHeight, DilationWidth) = (paddingHeight, paddingWidth, dilationHeight, dilationWidth);
        Groups = groups;
    }

    /// <summary>Input channels per group.</summary>
    public int GroupChannels => Channels / Groups;

    /// <summary>Output channels per group.</summary>
    public int GroupOutChannels => OutChannels / Groups;

    /// <summary>The reduction length of one group: <c>channels/groups · kh · kw</c> (a weight row).</summary>
    public int GroupReduction => GroupChannels * KernelHeight * KernelWidth;

    /// <summary>Rows of a whole sample's column matrix: <c>channels · kh · kw</c>.</summary>
    public int Reduction => Channels * KernelHeight * KernelWidth;

    /// <summary>Values of one input plane.</summary>
    public int InputPlane => Height * Width;

    /// <summary>Values of one output plane (columns of a sample's column matrix).</summary>
    public int OutputPlane => OutHeight * OutWidth;

    /// <summary>Values of one input sample.</summary>
    public int InputSample => Channels * Height * Width;

    /// <summary>Values of one output sample.</summary>
    public int OutputSample => OutChannels * OutHeight * OutWidth;

    /// <summary>A 1 × 1 kernel with stride 1 and no padding: the column matrix is the input itself.</summary>
    public bool IsPointwise => KernelHeight == 1 && KernelWidth == 1 && StrideHeight == 1 && StrideWidth == 1 && PaddingHeight == 0 && PaddingWidth == 0;
}
