namespace StaticGrad;

/// <summary>What the padding layers (<see cref="ZeroPad2d"/>, <see cref="ReflectionPad2d"/>, <see cref="ReplicationPad2d"/>) share: the amounts by side, in PyTorch's order.</summary>
public abstract class PadLayer
{
    private readonly string _name;

    /// <summary>Sets the amounts.</summary>
    /// <param name="name">PyTorch's module name (<c>ZeroPad2d</c>).</param>
    /// <param name="left">Columns added before each row (negative: removed).</param>
    /// <param name="right">Columns added after each row.</param>
    /// <param name="top">Rows added above.</param>
    /// <param name="bottom">Rows added below.</param>
    private protected PadLayer(string name, int left, int right, int top, int bottom)
    {
        _name = name;
        Padding = (left, right, top, bottom);
    }

    /// <summary>The padding as PyTorch's <c>padding</c> attribute holds it: <c>(left, right, top, bottom)</c>.</summary>
    public (int Left, int Right, int Top, int Bottom) Padding { get; }

    /// <summary>PyTorch's description, e.g. <c>ZeroPad2d((1, 1, 2, 0))</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => $"{_name}({Padding})";
}
