using System.Collections.Generic;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// <c>nn.Dropout(p)</c>: in training mode zeroes each element with probability <paramref name="P"/> and scales the
/// rest by <c>1/(1-p)</c> (inverted dropout), the mask drawn from the model's seeded generator and kept for the backward
/// pass; in eval mode the identity, so the inference schedule skips it and pays nothing.
/// </summary>
/// <param name="P">The probability of zeroing an element, in [0, 1].</param>
internal sealed record DropoutOp(float P) : Op
{
    /// <summary>Parses <c>[Dropout(p = 0.5f)]</c>.</summary>
    public static Op? Parse(AttributeReader r)
    {
        float p = r.Float("P", 0, 0.5f);
        if (!(p >= 0f && p <= 1f))
        {
            r.InvalidArgument("P", AttributeReader.Format(p), "a dropout probability must be between 0 and 1");
            return null;
        }

        return new DropoutOp(p);
    }

    public override string Name => "Dropout";

    public override bool TakesImages => true;

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs) => inputs[0];

    public override IEnumerable<SavedDecl> Saved(EquatableArray<TensorShape> inputs, TensorShape output)
    {
        yield return new SavedDecl("Mask", inputs[0].Features, "dropout mask, 0 or 1/(1-p)");
    }

    public override bool RunsInPlace => true;

    public override bool GradientInPlace => true;

    public override bool IdentityInInference => true;

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output) => $"Dropout(p={OpEmitContext.Number(P)}), identity in eval mode";

    public override string Construct(string parameterSet, IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => $"new global::StaticGrad.Dropout({OpEmitContext.Float(P)})";

    public override string OnnxExpression(OnnxEmitContext c) => c.Input;

    public override void EmitForward(OpEmitContext c, bool training)
    {
        string length = $"batch * {OpEmitContext.Int(c.OutputFeatures)}";
        c.Line($"// {c.Output} {c.OutputShape} = {c.Input} * mask, mask = (u >= p) / (1 - p) drawn from the model's generator");
        c.Line($"{OpEmitContext.Kernels}.Dropout.Forward({c.Input}, {c.Output}, {c.Saved("Mask")}, {length}, {OpEmitContext.Float(P)}, {OpEmitContext.DropoutGenerator});");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        string length = $"batch * {OpEmitContext.Int(c.OutputFeatures)}";
        c.Line($"//   {c.OutputGradient} *= mask in place");
        c.Line($"{OpEmitContext.Kernels}.Dropout.Backward({c.OutputGradient}, {c.Saved("Mask")}, {length});");
        OpEmitContext.CopyGradient(c, c.OutputGradient, length);
    }
}
