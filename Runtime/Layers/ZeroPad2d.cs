namespace StaticGrad;

/// <summary>The member type of a <see cref="ZeroPad2dAttribute"/> layer: its zero padding by side, in PyTorch's order.</summary>
/// <param name="left">Columns added before each row (negative: removed).</param>
/// <param name="right">Columns added after each row.</param>
/// <param name="top">Rows added above.</param>
/// <param name="bottom">Rows added below.</param>
public sealed class ZeroPad2d(int left, int right, int top, int bottom) : PadLayer("ZeroPad2d", left, right, top, bottom);
