namespace StaticGrad;

/// <summary>The member type of a <see cref="ZeroPad2dAttribute"/> layer: its padding by side, in PyTorch's order.</summary>
/// <param name="left">Columns added before each row (negative: removed).</param>
/// <param name="right">Columns added after each row.</param>
/// <param name="top">Rows added above.</param>
/// <param name="bottom">Rows added below.</param>
public sealed class ZeroPad2d(int left, int right, int top, int bottom)
{
    /// <summary>The padding as PyTorch's <c>ZeroPad2d.padding</c> holds it: <c>(left, right, top, bottom)</c>.</summary>
    public (int Left, int Right, int Top, int Bottom) Padding { get; } = (left, right, top, bottom);

    /// <summary>PyTorch's description, <c>ZeroPad2d((1, 1, 2, 0))</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => $"ZeroPad2d({Padding})";
}
