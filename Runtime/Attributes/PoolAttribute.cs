using System;

namespace StaticGrad;

/// <summary>
/// What the pooling attributes (<see cref="MaxPool2dAttribute"/>, <see cref="AvgPool2dAttribute"/>) share: a window of
/// its own height and width, its stride and its padding, each for both axes or (its <c>…Height</c> and <c>…Width</c>
/// properties, which override it along their axis) per axis, as PyTorch's tuples: <c>stride=(2, 1)</c> is
/// <c>StrideHeight = 2, StrideWidth = 1</c>. The padding is -∞ for a max pool and zeros for an average pool.
/// </summary>
public abstract class PoolAttribute : Attribute
{
    private int? _strideHeight, _strideWidth, _paddingHeight, _paddingWidth;

    /// <summary>Sets the window.</summary>
    /// <param name="kernelHeight">The window's height; positive.</param>
    /// <param name="kernelWidth">The window's width; positive.</param>
    private protected PoolAttribute(int kernelHeight, int kernelWidth)
    {
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
    }

    /// <summary>The window's height.</summary>
    public int KernelHeight { get; }

    /// <summary>The window's width.</summary>
    public int KernelWidth { get; }

    /// <summary>
    /// The step between windows along both axes; positive. Unset, it is the window's size (PyTorch's <c>stride=None</c>);
    /// set to 0 it is an error (SG0027), as PyTorch refuses a zero stride.
    /// </summary>
    public int Stride { get; set; }

    /// <summary>The step between windows along the height; positive; <see cref="Stride"/> unless set (the window's height when neither is).</summary>
    public int StrideHeight { get => _strideHeight ?? Stride; set => _strideHeight = value; }

    /// <summary>The step between windows along the width; positive; <see cref="Stride"/> unless set (the window's width when neither is).</summary>
    public int StrideWidth { get => _strideWidth ?? Stride; set => _strideWidth = value; }

    /// <summary>Padding on each side of both axes (0 by default); at most half the window's size along the axis, as in PyTorch.</summary>
    public int Padding { get; set; }

    /// <summary>Rows of padding above and below; <see cref="Padding"/> unless set; at most half the window's height.</summary>
    public int PaddingHeight { get => _paddingHeight ?? Padding; set => _paddingHeight = value; }

    /// <summary>Columns of padding left and right; <see cref="Padding"/> unless set; at most half the window's width.</summary>
    public int PaddingWidth { get => _paddingWidth ?? Padding; set => _paddingWidth = value; }
}
