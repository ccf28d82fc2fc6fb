using System.Collections.Generic;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// <c>nn.Flatten()</c>: <c>[B, C, H, W]</c> read as <c>[B, C·H·W]</c>. Images are stored channel-major per sample, which is
/// PyTorch's flattening order, so the values do not move (<see cref="ViewOp"/>).
/// </summary>
internal sealed record FlattenOp : ViewOp
{
    /// <summary>Parses <c>[Flatten]</c>.</summary>
    public static Op? Parse(AttributeReader r) => new FlattenOp();

    public override string Name => "Flatten";

    public override bool TakesImages => true;

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs) => TensorShape.Flat(inputs[0].Features);

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output) => "Flatten";

    public override string Construct(string parameterSet, IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => "new global::StaticGrad.Flatten()";

    public override string OnnxExpression(OnnxEmitContext c) => OnnxEmitContext.Call("Flatten", c.Input);

    protected override string ReadAs => "read flat";
}
