using System.Collections.Generic;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// <c>nn.Linear(in, out, bias)</c>: <c>y = x W^T + b</c>, weight <c>[out, in]</c> and bias <c>[out]</c> drawn from
/// <c>U(-1/sqrt(in), 1/sqrt(in))</c>. The fusion pass may fold a following ReLU, Sigmoid or Tanh into it
/// (<paramref name="Fused"/>): the kernel applies it to the tile in registers, and the backward pass takes its
/// derivative from the output in the same pass that sums the bias gradient.
/// </summary>
/// <param name="Outputs">Output features.</param>
/// <param name="Bias">Whether the layer has a bias.</param>
/// <param name="Fused">The activation folded into the epilogue, or <see cref="ActivationKind.None"/>.</param>
internal sealed record LinearOp(int Outputs, bool Bias, ActivationKind Fused = ActivationKind.None) : Op
{
    /// <summary>Parses <c>[Linear(outputs, Bias = true)]</c>.</summary>
    public static Op? Parse(AttributeReader r)
    {
        int outputs = r.Int("outputs", 0, 0);
        if (outputs <= 0)
        {
            r.Report(Diagnostics.InvalidLayerSize, r.MemberName, AttributeReader.Format(outputs));
            return null;
        }

        return new LinearOp(outputs, r.Bool("Bias", -1, true));
    }

    /// <summary>The activations an epilogue applies (those whose derivative needs only the output): the GEMM's and the norms'.</summary>
    public static bool CanFuse(ActivationKind kind) => kind is ActivationKind.ReLU or ActivationKind.Sigmoid or ActivationKind.Tanh;

    public override Op? WithEpilogue(ActivationKind activation)
        => Bias && Fused == ActivationKind.None && CanFuse(activation) ? this with { Fused = activation } : null;

    public override string Name => "Linear";

    public override bool HasParameters => true;

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs) => TensorShape.Flat(Outputs);

    public override IEnumerable<ParameterDecl> Parameters(EquatableArray<TensorShape> inputs)
    {
        yield return new ParameterDecl("weight", new[] { Outputs, inputs[0].Features }.ToEquatableArray(), inputs[0].Features, 0f);
        if (Bias)
        {
            yield return new ParameterDecl("bias", new[] { Outputs }.ToEquatableArray(), inputs[0].Features, 0f);
        }
    }

    public override bool BackwardReadsInputs => true;

    public override bool BackwardReadsOutput => Fused != ActivationKind.None;

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output)
        => $"Linear {OpEmitContext.Int(inputs[0].Features)} -> {OpEmitContext.Int(output.Features)}{(Bias ? string.Empty : " (no bias)")}{(Fused == ActivationKind.None ? string.Empty : ", " + Fused)}";

    public override string Construct(string parameterSet, IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => $"new global::StaticGrad.Linear({parameterSet}, {tensors[0]}, {(Bias ? tensors[1] : "null")})";

    public override string OnnxExpression(OnnxEmitContext c)
        => OnnxEmitContext.Activated(OnnxEmitContext.Call("Gemm", c.Input, c.Name("weight"), c.NameOrNull("bias")), Fused);

    public override void EmitForward(OpEmitContext c, bool training)
    {
        int i = c.InputSize;
        int o = Outputs;
        string product = $"{c.Input} {OpEmitContext.Shape(i)} x weight^T [{OpEmitContext.Int(i)}, {OpEmitContext.Int(o)}]";
        if (!Bias)
        {
            c.Line($"// {c.Output} {OpEmitContext.Shape(o)} = {product}");
            c.Line($"{OpEmitContext.Kernels}.Gemm.MultiplyTransposeB({c.Input}, {c.Parameter("weight")}, {c.Output}, batch, {OpEmitContext.Int(i)}, {OpEmitContext.Int(o)});");
            return;
        }

        string expression = product + " + bias";
        c.Line($"// {c.Output} {OpEmitContext.Shape(o)} = {(Fused == ActivationKind.None ? expression : $"{Fused}({expression})")}");
        c.Line($"{OpEmitContext.Kernels}.LinearForward.Run({c.Input}, {c.Parameter("weight")}, {c.Parameter("bias")}, {c.Output}, batch, {OpEmitContext.Int(i)}, {OpEmitContext.Int(o)}, {OpEmitContext.Kernels}.Activation.{Fused});");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        int i = c.InputSize;
        int o = Outputs;
        string gradient = c.OutputGradient;
        if (Bias)
        {
            string activationNote = Fused == ActivationKind.None ? string.Empty : $"{gradient} *= {Fused}'({c.Output}) in place; ";

            // Without a fused activation the kernel's identity derivative reads nothing, so the gradient stands in for
            // the output and the output need not stay alive until here.
            string output = Fused == ActivationKind.None ? gradient : c.Output;
            c.Line($"//   {activationNote}{c.Member}.bias gradient [{OpEmitContext.Int(o)}] = column sums of {gradient} (skipped while the bias is frozen)");
            c.Line($"if ({c.Trainable("bias")})");
            c.Line("{");
            c.Line($"    {OpEmitContext.Kernels}.ActivationBackward.ApplyAndReduceBias({gradient}, {output}, {c.Gradient("bias")}, batch, {OpEmitContext.Int(o)}, {OpEmitContext.Kernels}.Activation.{Fused});");
            c.Line("}");
            if (Fused != ActivationKind.None)
            {
                c.Line("else");
                c.Line("{");
                c.Line($"    {OpEmitContext.Kernels}.ActivationBackward.Apply({gradient}, {output}, batch * {OpEmitContext.Int(o)}, {OpEmitContext.Kernels}.Activation.{Fused});");
                c.Line("}");
            }

            c.Line(string.Empty);
        }

        string weightGradientNote = $"{c.Member}.weight gradient [{OpEmitContext.Int(o)}, {OpEmitContext.Int(i)}] = {gradient}^T [{OpEmitContext.Int(o)}, B] x {c.Input} {OpEmitContext.Shape(i)} (skipped while the weight is frozen)";
        if (c.InputGradients[0] is { } inputGradient)
        {
            // The two products read the same gradient and not each other: one kernel runs them side by side.
            c.Line($"//   {weightGradientNote}");
            c.Line($"//   {inputGradient} {OpEmitContext.Shape(i)} = {gradient} {OpEmitContext.Shape(o)} x weight [{OpEmitContext.Int(o)}, {OpEmitContext.Int(i)}]");
            c.Line($"if ({c.Trainable("weight")})");
            c.Line("{");
            c.Line($"    {OpEmitContext.Kernels}.LinearBackward.Run({gradient}, {c.Input}, {c.Parameter("weight")}, {c.Gradient("weight")}, {inputGradient}, batch, {OpEmitContext.Int(i)}, {OpEmitContext.Int(o)});");
            c.Line("}");
            c.Line("else");
            c.Line("{");
            c.Line($"    {OpEmitContext.Kernels}.Gemm.Multiply({gradient}, {c.Parameter("weight")}, {inputGradient}, batch, {OpEmitContext.Int(o)}, {OpEmitContext.Int(i)});");
            c.Line("}");
            return;
        }

        c.Line($"//   {weightGradientNote}");
        c.Line($"if ({c.Trainable("weight")})");
        c.Line("{");
        c.Line($"    {OpEmitContext.Kernels}.Gemm.MultiplyTransposeA({gradient}, {c.Input}, {c.Gradient("weight")}, {OpEmitContext.Int(o)}, batch, {OpEmitContext.Int(i)});");
        c.Line("}");
        c.Line(string.Empty);
        c.Line($"//   no gradient for {c.Input}: nothing before it has parameters (pruned).");
    }
}
