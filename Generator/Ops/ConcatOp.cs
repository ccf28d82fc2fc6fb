using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// <c>torch.cat([x, other], dim=1)</c>: the previous member's output followed by the output of an earlier member named
/// with <c>nameof</c> (or the model input), feature by feature, or channel by channel for images of the same size. The backward pass splits the gradient.
/// </summary>
/// <param name="Source">The member whose output is appended (<c>Model.Input</c> for the model input).</param>
internal sealed record ConcatOp(string Source) : Op
{
    /// <summary>Parses <c>[Concat(nameof(Member))]</c>; the parser checks that the member exists and comes earlier.</summary>
    public static Op? Parse(AttributeReader r)
        => r.Reference() is { } source ? new ConcatOp(source) : null;

    public override string Name => "Concat";

    public override string? Skip => Source;

    /// <summary>Flat tensors join their features; images of the same height and width join their channels (<c>torch.cat(dim=1)</c>).</summary>
    public override bool InputsAgree(EquatableArray<TensorShape> inputs)
        => inputs[0].IsImage == inputs[1].IsImage && inputs[0].Height == inputs[1].Height && inputs[0].Width == inputs[1].Width;

    public override string AgreementRule => "[Concat] joins two flat outputs feature by feature, or two images of the same height and width channel by channel";

    public override bool TakesImages => true;

    /// <summary>The sum of both widths (or channel counts), saturated at <c>int.MaxValue</c> so the parser's size check reports an overflow.</summary>
    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs)
        => inputs[0] with { Channels = (int)System.Math.Min((long)inputs[0].Channels + inputs[1].Channels, int.MaxValue) };

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output)
        => $"Concat ({OpEmitContext.Int(inputs[0].Channels)} + {OpEmitContext.Int(inputs[1].Channels)}{(inputs[0].IsImage ? " channels" : string.Empty)})";

    public override string Construct(string parameterSet, System.Collections.Generic.IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => $"new global::StaticGrad.Residual(global::StaticGrad.ResidualKind.Concat, {OpEmitContext.Literal(Source)})";

    public override string OnnxExpression(OnnxEmitContext c) => OnnxEmitContext.Call("Concat", "1", c.Inputs[0], c.Inputs[1]);

    public override void EmitForward(OpEmitContext c, bool training)
    {
        c.Line($"// {c.Output} {c.OutputShape} = [{c.Inputs[0]} {c.InputShapes[0]}, {c.Inputs[1]} {c.InputShapes[1]}] {(c.OutputShape.IsImage ? "channel by channel (a sample's channels are contiguous, so this joins each sample's values)" : "row by row")}");
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
