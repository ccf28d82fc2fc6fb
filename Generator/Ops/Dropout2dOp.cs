using System.Collections.Generic;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// <c>nn.Dropout2d(p)</c>: in training mode zeroes each channel of each sample with probability <paramref name="P"/>
/// and scales the rest by <c>1/(1-p)</c>, one mask value per channel drawn from the model's seeded generator and kept
/// for the backward pass; in eval mode the identity, skipped by the inference schedule.
/// </summary>
/// <param name="P">The probability of zeroing a channel, in [0, 1].</param>
internal sealed record Dropout2dOp(float P) : Op
{
    /// <summary>Parses <c>[Dropout2d(p = 0.5f)]</c>.</summary>
    public static Op? Parse(AttributeReader r)
    {
        float p = r.Float("P", 0, 0.5f);
        if (!(p >= 0f && p <= 1f))
        {
            r.InvalidArgument("P", AttributeReader.Format(p), "a dropout probability must be between 0 and 1");
            return null;
        }

        return new Dropout2dOp(p);
    }

    public override string Name => "Dropout2d";

    public override bool TakesFlat => false;

    public override bool TakesImages => true;

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs) => inputs[0];

    public override IEnumerable<SavedDecl> Saved(EquatableArray<TensorShape> inputs, TensorShape output)
    {
        yield return new SavedDecl("Mask", inputs[0].Channels, "channel dropout mask, 0 or 1/(1-p) per channel");
    }

    public override bool RunsInPlace => true;

    public override bool GradientInPlace => true;

    public override bool IdentityInInference => true;

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output) => $"Dropout2d(p={OpEmitContext.Number(P)}), identity in eval mode";

    public override string Construct(string parameterSet, IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => $"new global::StaticGrad.Dropout2d({OpEmitContext.Float(P)})";

    public override string OnnxExpression(OnnxEmitContext c) => c.Input;

    public override void EmitForward(OpEmitContext c, bool training)
    {
        c.Line($"// {c.Output} {c.OutputShape} = {c.Input} * mask, one mask value (u >= p) / (1 - p) per channel, drawn from the model's generator");
        c.Line($"{OpEmitContext.Kernels}.Dropout2d.Forward({c.Input}, {c.Output}, {c.Saved("Mask")}, {Planes(c)}, {OpEmitContext.Float(P)}, {OpEmitContext.DropoutGenerator});");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        c.Line($"//   {c.OutputGradient} *= mask in place, channel by channel");
        c.Line($"{OpEmitContext.Kernels}.Dropout2d.Backward({c.OutputGradient}, {c.Saved("Mask")}, {Planes(c)});");
        OpEmitContext.CopyGradient(c, c.OutputGradient, $"batch * {OpEmitContext.Int(c.OutputFeatures)}");
    }

    private static string Planes(OpEmitContext c) => $"batch * {OpEmitContext.Int(c.OutputShape.Channels)}, {OpEmitContext.Int(c.OutputShape.Plane)}";
}
