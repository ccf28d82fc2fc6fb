using System;

namespace StaticGrad;

/// <summary>
/// Declares reflection padding of an image <c>[B, C, H, W]</c>, PyTorch's <c>nn.ReflectionPad2d(padding)</c>: the output is
/// <c>[B, C, Top + H + Bottom, Left + W + Right]</c>, each added row or column the mirror image of those inside the edge
/// (the edge itself not repeated), so every amount must be below the input's size along its axis (SG0027 otherwise). A
/// negative amount removes rows or columns on that side, as in PyTorch. The member's type is <see cref="ReflectionPad2d"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class ReflectionPad2dAttribute : PadAttribute
{
    /// <summary>Declares <paramref name="padding"/> reflected rows and columns on every side (<c>nn.ReflectionPad2d(p)</c>).</summary>
    /// <param name="padding">The rows or columns added on each side.</param>
    public ReflectionPad2dAttribute(int padding)
        : this(padding, padding, padding, padding)
    {
    }

    /// <summary>Declares reflection padding by side, in PyTorch's order (<c>nn.ReflectionPad2d((left, right, top, bottom))</c>).</summary>
    /// <param name="left">Columns added before each row.</param>
    /// <param name="right">Columns added after each row.</param>
    /// <param name="top">Rows added above.</param>
    /// <param name="bottom">Rows added below.</param>
    public ReflectionPad2dAttribute(int left, int right, int top, int bottom)
        : base(left, right, top, bottom)
    {
    }
}
