using System.Collections.Generic;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// <c>nn.Flatten()</c>: <c>[B, C, H, W]</c> read as <c>[B, C·H·W]</c>. Images are stored channel-major per sample, which is
/// PyTorch's flattening order, so the values do not move: the op runs in place (and its gradient too) and writes
/// nothing, unless the planner must give it its own buffer (its input is the caller's span or feeds other nodes).
/// </summary>
internal sealed record FlattenOp : Op
{
    /// <summary>Parses <c>[Flatten]</c>.</summary>
    public static Op? Parse(AttributeReader r) => new FlattenOp();

    public override string Name => "Flatten";

    public override bool TakesImages => true;

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs) => TensorShape.Flat(inputs[0].Features);

    public override bool RunsInPlace => true;

    public override bool KeepsValues => true;

    public override bool GradientInPlace => true;

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output) => "Flatten";

    public override string Construct(string parameterSet, IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => "new global::StaticGrad.Flatten()";

    public override string OnnxExpression(OnnxEmitContext c) => OnnxEmitContext.Call("Flatten", c.Input);

    public override void EmitForward(OpEmitContext c, bool training)
    {
        string length = $"batch * {OpEmitContext.Int(c.OutputFeatures)}";
        if (c.Output == c.Input)
        {
            c.Line($"// {c.Output} {c.OutputShape} is {c.Input} {c.InputShapes[0]} read flat: nothing moves");
            return;
        }

        c.Line($"// {c.Output} {c.OutputShape} = {c.Input} {c.InputShapes[0]} read flat (copied: the input is kept for another reader)");
        c.Line($"{OpEmitContext.Kernels}.Elementwise.Copy({c.Input}, {c.Output}, {length});");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        c.Line($"//   {c.OutputGradient} is the gradient of {c.Input} read flat");
        OpEmitContext.CopyGradient(c, c.OutputGradient, $"batch * {OpEmitContext.Int(c.OutputFeatures)}");
    }
}
