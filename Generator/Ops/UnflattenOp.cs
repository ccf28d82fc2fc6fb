using System.Collections.Generic;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// <c>nn.Unflatten(1, (C, H, W))</c>: <c>[B, C·H·W]</c> read as <c>[B, C, H, W]</c>, the inverse of <see cref="FlattenOp"/>.
/// Images are stored channel-major per sample, PyTorch's order, so the values do not move (<see cref="ViewOp"/>).
/// </summary>
/// <param name="Channels">Channels of the image.</param>
/// <param name="Height">Height of the image.</param>
/// <param name="Width">Width of the image.</param>
internal sealed record UnflattenOp(int Channels, int Height, int Width) : ViewOp
{
    /// <summary>Parses <c>[Unflatten(channels, height, width)]</c>.</summary>
    public static Op? Parse(AttributeReader r)
    {
        int channels = r.Int("channels", 0, 0), height = r.Int("height", 1, 0), width = r.Int("width", 2, 0);
        foreach ((string name, int value) in new[] { ("channels", channels), ("height", height), ("width", width) })
        {
            if (value <= 0)
            {
                r.InvalidArgument(name, OpEmitContext.Int(value), "it must be positive");
                return null;
            }
        }

        long values = (long)channels * height * width;
        if (values > TensorShape.MaxBufferFloats)
        {
            r.InvalidArgument(
                "width",
                OpEmitContext.Int(width),
                $"an image of {OpEmitContext.Int(channels)} x {OpEmitContext.Int(height)} x {OpEmitContext.Int(width)} holds {OpEmitContext.Long(values)} values per sample, more than one buffer holds ({OpEmitContext.Long(TensorShape.MaxBufferFloats)})");
            return null;
        }

        return new UnflattenOp(channels, height, width);
    }

    public override string Name => "Unflatten";

    public override string? GeometryProblem(EquatableArray<TensorShape> inputs)
        => inputs[0].Features == (long)Channels * Height * Width
            ? null
            : $"it reads {OpEmitContext.Int(inputs[0].Features)} features as a {OpEmitContext.Int(Channels)} x {OpEmitContext.Int(Height)} x {OpEmitContext.Int(Width)} image, which needs C·H·W = {OpEmitContext.Long((long)Channels * Height * Width)}";

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs) => TensorShape.Image(Channels, Height, Width);

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output) => $"Unflatten(dim=1, unflattened_size={Size})";

    public override string Construct(string parameterSet, IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => $"new global::StaticGrad.Unflatten({Arguments})";

    public override string OnnxExpression(OnnxEmitContext c) => OnnxEmitContext.Call("Reshape", c.Input, Arguments);

    protected override string ReadAs => "read as an image";

    private string Size => $"({OpEmitContext.Int(Channels)}, {OpEmitContext.Int(Height)}, {OpEmitContext.Int(Width)})";

    private string Arguments => $"{OpEmitContext.Int(Channels)}, {OpEmitContext.Int(Height)}, {OpEmitContext.Int(Width)}";
}
