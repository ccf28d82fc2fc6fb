namespace StaticGrad;

/// <summary>The member type of a <see cref="ReflectionPad2dAttribute"/> layer: its reflection padding by side, in PyTorch's order.</summary>
/// <param name="left">Columns added before each row (negative: removed).</param>
/// <param name="right">Columns added after each row.</param>
/// <param name="top">Rows added above.</param>
/// <param name="bottom">Rows added below.</param>
public sealed class ReflectionPad2d(int left, int right, int top, int bottom) : PadLayer("ReflectionPad2d", left, right, top, bottom);
