using System;

namespace StaticGrad;

/// <summary>
/// Declares zero padding of an image <c>[B, C, H, W]</c>, PyTorch's <c>nn.ZeroPad2d(padding)</c>: the output is
/// <c>[B, C, Top + H + Bottom, Left + W + Right]</c>, the input moved by <c>(Top, Left)</c> with zeros around it. A negative
/// amount removes rows or columns on that side, as in PyTorch. The member's type is <see cref="ZeroPad2d"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class ZeroPad2dAttribute : PadAttribute
{
    /// <summary>Declares <paramref name="padding"/> zero rows and columns on every side (<c>nn.ZeroPad2d(p)</c>).</summary>
    /// <param name="padding">The rows or columns added on each side.</param>
    public ZeroPad2dAttribute(int padding)
        : this(padding, padding, padding, padding)
    {
    }

    /// <summary>Declares zero padding by side, in PyTorch's order (<c>nn.ZeroPad2d((left, right, top, bottom))</c>).</summary>
    /// <param name="left">Columns added before each row.</param>
    /// <param name="right">Columns added after each row.</param>
    /// <param name="top">Rows added above.</param>
    /// <param name="bottom">Rows added below.</param>
    public ZeroPad2dAttribute(int left, int right, int top, int bottom)
        : base(left, right, top, bottom)
    {
    }
}
