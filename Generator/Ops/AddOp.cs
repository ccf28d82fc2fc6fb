using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// A residual connection, <c>y = x + skip</c>: the previous member's output plus the output of an earlier member named
/// with <c>nameof</c> (or the model input). Both must have the same features. The backward pass hands the output
/// gradient to both inputs.
/// </summary>
/// <param name="Source">The member whose output is added (<c>Model.Input</c> for the model input).</param>
internal sealed record AddOp(string Source) : Op
{
    /// <summary>Parses <c>[Add(nameof(Member))]</c>; the parser checks that the member exists and comes earlier.</summary>
    public static Op? Parse(AttributeReader r)
        => r.Reference() is { } source ? new AddOp(source) : null;

    public override string Name => "Add";

    public override string? Skip => Source;

    public override bool InputsAgree(EquatableArray<TensorShape> inputs) => inputs[0] == inputs[1];

    public override bool TakesImages => true;

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs) => inputs[0];

    public override bool RunsInPlace => true;

    public override bool GradientInPlace => true;

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output) => "Add";

    public override string Construct(string parameterSet, System.Collections.Generic.IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => $"new global::StaticGrad.Residual(global::StaticGrad.ResidualKind.Add, {OpEmitContext.Literal(Source)})";

    public override string OnnxExpression(OnnxEmitContext c) => OnnxEmitContext.Call("Add", c.Inputs[0], c.Inputs[1]);

    public override void EmitForward(OpEmitContext c, bool training)
    {
        c.Line($"// {c.Output} {c.OutputShape} = {c.Inputs[0]} + {c.Inputs[1]}");
        c.Line($"{OpEmitContext.Kernels}.Elementwise.Add({c.Inputs[0]}, {c.Inputs[1]}, {c.Output}, batch * {OpEmitContext.Int(c.OutputFeatures)});");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        string length = $"batch * {OpEmitContext.Int(c.OutputFeatures)}";
        c.Line($"//   both inputs get {c.OutputGradient}");
        if (c.InputGradients[1] is { } skip)
        {
            c.Line($"{OpEmitContext.Kernels}.Elementwise.Copy({c.OutputGradient}, {skip}, {length});");
        }

        OpEmitContext.CopyGradient(c, c.OutputGradient, length);
    }
}
