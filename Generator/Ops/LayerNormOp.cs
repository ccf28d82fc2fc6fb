using System.Collections.Generic;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// <c>nn.LayerNorm(features, eps, elementwise_affine)</c>: each sample normalized over its features, then scaled by
/// <c>weight</c> (initialized to 1) and shifted by <c>bias</c> (0). The training pass keeps each row's mean and
/// reciprocal standard deviation; the backward pass reads the input and writes the input gradient in place. The fusion
/// pass may fold a following ReLU, Sigmoid or Tanh into its output pass (<paramref name="Fused"/>).
/// </summary>
/// <param name="Eps">Added to the variance.</param>
/// <param name="ElementwiseAffine">Whether the op has <c>weight</c> and <c>bias</c>.</param>
/// <param name="Fused">The activation folded into the output pass, or <see cref="ActivationKind.None"/>.</param>
internal sealed record LayerNormOp(float Eps, bool ElementwiseAffine, ActivationKind Fused = ActivationKind.None) : Op
{
    /// <summary>Parses <c>[LayerNorm(Eps = 1e-5f, ElementwiseAffine = true)]</c>.</summary>
    public static Op? Parse(AttributeReader r)
    {
        float eps = r.Float("Eps", -1, 1e-5f);
        if (!(eps > 0f) || float.IsInfinity(eps))
        {
            r.InvalidArgument("Eps", AttributeReader.Format(eps), "it must be finite and positive");
            return null;
        }

        return new LayerNormOp(eps, r.Bool("ElementwiseAffine", -1, true));
    }

    public override string Name => "LayerNorm";

    public override Op? WithEpilogue(ActivationKind activation)
        => Fused == ActivationKind.None && LinearOp.CanFuse(activation) ? this with { Fused = activation } : null;

    public override bool BackwardReadsOutput => Fused != ActivationKind.None;

    public override bool HasParameters => ElementwiseAffine;

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs) => inputs[0];

    public override IEnumerable<ParameterDecl> Parameters(EquatableArray<TensorShape> inputs)
        => ElementwiseAffine ? ParameterDecl.NormAffine(inputs[0].Features) : System.Array.Empty<ParameterDecl>();

    public override IEnumerable<SavedDecl> Saved(EquatableArray<TensorShape> inputs, TensorShape output)
    {
        yield return new SavedDecl("Mean", 1, "layer norm row means");
        yield return new SavedDecl("Rstd", 1, "layer norm row 1/sqrt(var + eps)");
    }

    public override bool BackwardReadsInputs => true;

    public override bool GradientInPlace => true;

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output)
        => $"LayerNorm({OpEmitContext.Int(inputs[0].Features)}, eps={OpEmitContext.Number(Eps)}{(ElementwiseAffine ? string.Empty : ", elementwise_affine=False")}){(Fused == ActivationKind.None ? string.Empty : ", " + Fused)}";

    public override string Construct(string parameterSet, IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => ElementwiseAffine
            ? $"new global::StaticGrad.LayerNorm({parameterSet}, {OpEmitContext.Int(inputs[0].Features)}, {OpEmitContext.Float(Eps)}, {tensors[0]}, {tensors[1]})"
            : $"new global::StaticGrad.LayerNorm({parameterSet}, {OpEmitContext.Int(inputs[0].Features)}, {OpEmitContext.Float(Eps)}, null, null)";

    public override string OnnxExpression(OnnxEmitContext c)
        => OnnxEmitContext.Activated(
            OnnxEmitContext.Call("LayerNormalization", c.Input, OpEmitContext.Int(c.OutputShape.Features), c.NameOrNull("weight"), c.NameOrNull("bias"), OpEmitContext.Float(Eps)),
            Fused);

    public override void EmitForward(OpEmitContext c, bool training)
    {
        string mean = training ? c.Saved("Mean") : OpEmitContext.Empty;
        string rstd = training ? c.Saved("Rstd") : OpEmitContext.Empty;
        string normalized = $"(x - mean) / sqrt(var + eps){(ElementwiseAffine ? " * weight + bias" : string.Empty)}";
        c.Line($"// {c.Output} {c.OutputShape} = {(Fused == ActivationKind.None ? normalized : $"{Fused}({normalized})")}, per row of {c.Input}");
        c.Line($"{OpEmitContext.Kernels}.LayerNorm.Forward({c.Input}, {Weight(c)}, {Bias(c)}, {c.Output}, {mean}, {rstd}, batch, {OpEmitContext.Int(c.OutputFeatures)}, {OpEmitContext.Float(Eps)}{Epilogue()});");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        string weightGradient = ElementwiseAffine ? c.GradientIfTrainable("weight") : OpEmitContext.Empty;
        string biasGradient = ElementwiseAffine ? c.GradientIfTrainable("bias") : OpEmitContext.Empty;
        string activation = Fused == ActivationKind.None ? string.Empty : $"{c.OutputGradient} *= {Fused}'({c.Output}), then ";
        c.Line($"//   {activation}{c.OutputGradient} becomes the gradient of {c.Input} in place{(ElementwiseAffine ? $"; {c.Member}.weight and .bias gradients [{OpEmitContext.Int(c.OutputFeatures)}]" : string.Empty)}");
        string output = Fused == ActivationKind.None ? string.Empty : $", {c.Output}{Epilogue()}";
        c.Line($"{OpEmitContext.Kernels}.LayerNorm.Backward({c.OutputGradient}, {c.Input}, {c.Saved("Mean")}, {c.Saved("Rstd")}, {Weight(c)}, {weightGradient}, {biasGradient}, batch, {OpEmitContext.Int(c.OutputFeatures)}{output});");
        OpEmitContext.CopyGradient(c, c.OutputGradient, $"batch * {OpEmitContext.Int(c.OutputFeatures)}");
    }

    private string Epilogue() => Fused == ActivationKind.None ? string.Empty : $", {OpEmitContext.Kernels}.Activation.{Fused}";

    private string Weight(OpEmitContext c) => ElementwiseAffine ? c.Parameter("weight") : OpEmitContext.Empty;

    private string Bias(OpEmitContext c) => ElementwiseAffine ? c.Parameter("bias") : OpEmitContext.Empty;
}
