using System;

namespace StaticGrad;

/// <summary>
/// What the padding attributes (<see cref="ZeroPad2dAttribute"/>, <see cref="ReflectionPad2dAttribute"/>,
/// <see cref="ReplicationPad2dAttribute"/>) share: the rows and columns added on each side of an image, in PyTorch's
/// order <c>(left, right, top, bottom)</c>; a negative amount removes rows or columns on that side, as in PyTorch.
/// </summary>
public abstract class PadAttribute : Attribute
{
    /// <summary>Sets the amounts.</summary>
    /// <param name="left">Columns added before each row.</param>
    /// <param name="right">Columns added after each row.</param>
    /// <param name="top">Rows added above.</param>
    /// <param name="bottom">Rows added below.</param>
    private protected PadAttribute(int left, int right, int top, int bottom)
    {
        Left = left;
        Right = right;
        Top = top;
        Bottom = bottom;
    }

    /// <summary>Columns added before each row (negative: removed).</summary>
    public int Left { get; }

    /// <summary>Columns added after each row (negative: removed).</summary>
    public int Right { get; }

    /// <summary>Rows added above (negative: removed).</summary>
    public int Top { get; }

    /// <summary>Rows added below (negative: removed).</summary>
    public int Bottom { get; }
}
