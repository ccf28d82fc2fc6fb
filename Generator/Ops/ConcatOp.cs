using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// <c>torch.cat([x, other], dim=1)</c>: the previous member's output followed by the output of an earlier member named
/// with <c>nameof</c> (or the model input), feature by feature. The backward pass splits the gradient.
/// </summary>
/// <param name="Source">The member whose output is appended (<c>Model.Input</c> for the model input).</param>
internal sealed record ConcatOp(string Source) : Op
{
    /// <summary>Parses <c>[Concat(nameof(Member))]</c>; the parser checks that the member exists and comes earlier.</summary>
    public static Op? Parse(AttributeReader r)
        => r.String("source", 0, null) is { } source ? new ConcatOp(source) : null;

    public override string Name => "Concat";

    public override string? Skip => Source;

    /// <summary>The sum of both widths, saturated at <c>int.MaxValue</c> so the parser's size check reports an overflow.</summary>
    public override int OutputFeatures(EquatableArray<int> inputs) => (int)System.Math.Min((long)inputs[0] + inputs[1], int.MaxValue);

    public override string Describe(EquatableArray<int> inputs, int outputs)
        => $"Concat ({OpEmitContext.Int(inputs[0])} + {OpEmitContext.Int(inputs[1])} of {Source})";

    public override string Construct(string parameterSet, System.Collections.Generic.IReadOnlyList<string> tensors, EquatableArray<int> inputs)
        => $"new global::StaticGrad.Residual(global::StaticGrad.ResidualKind.Concat, {OpEmitContext.Literal(Source)})";

    public override void EmitForward(OpEmitContext c, bool training)
    {
        c.Line($"// {c.Output} {OpEmitContext.Shape(c.OutputFeatures)} = [{c.Inputs[0]} {OpEmitContext.Shape(c.InputFeatures[0])}, {c.Inputs[1]} {OpEmitContext.Shape(c.InputFeatures[1])}] row by row");
        c.Line($"{OpEmitContext.Kernels}.Concat.Forward({c.Inputs[0]}, {OpEmitContext.Int(c.InputFeatures[0])}, {c.Inputs[1]}, {OpEmitContext.Int(c.InputFeatures[1])}, {c.Output}, batch);");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        string first = c.InputGradients[0] ?? OpEmitContext.Empty;
        string second = c.InputGradients[1] ?? OpEmitContext.Empty;
        c.Line($"//   {c.OutputGradient} split back into the gradients of both inputs");
        c.Line($"{OpEmitContext.Kernels}.Concat.Backward({c.OutputGradient}, {first}, {OpEmitContext.Int(c.InputFeatures[0])}, {second}, {OpEmitContext.Int(c.InputFeatures[1])}, batch);");
    }
}
