using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// A product, <c>y = x * source</c>: the previous member's output times the output of an earlier member named with
/// <c>nameof</c> (or the model input). Two tensors of one shape multiply elementwise; an image <c>[C, H, W]</c> and one
/// value per channel (<c>[C, 1, 1]</c> or flat <c>[C]</c>, in either order) multiply each plane by its channel's value,
/// as PyTorch broadcasts <c>x * s</c> in a squeeze-and-excitation block. The backward pass reads both factors.
/// </summary>
/// <param name="Source">The member whose output is the second factor (<c>Model.Input</c> for the model input).</param>
internal sealed record MultiplyOp(string Source) : Op
{
    /// <summary>Parses <c>[Multiply(nameof(Member))]</c>; the parser checks that the member exists and comes earlier.</summary>
    public static Op? Parse(AttributeReader r)
        => r.String("source", 0, null) is { } source ? new MultiplyOp(source) : null;

    public override string Name => "Multiply";

    public override string? Skip => Source;

    public override bool TakesImages => true;

    public override bool InputsAgree(EquatableArray<TensorShape> inputs) => inputs[0] == inputs[1] || ScaledImage(inputs[0], inputs[1]) >= 0;

    public override string AgreementRule
        => "[Multiply] takes two outputs of the same shape, or an image [B, C, H, W] and one value per channel ([B, C, 1, 1] or [B, C])";

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs)
        => ScaledImage(inputs[0], inputs[1]) is var image and >= 0 ? inputs[image] : inputs[0];

    public override bool BackwardReadsInputs => true;

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output)
        => ScaledImage(inputs[0], inputs[1]) >= 0 ? "Multiply by channel" : "Multiply";

    public override string Construct(string parameterSet, System.Collections.Generic.IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => $"new global::StaticGrad.Residual(global::StaticGrad.ResidualKind.Multiply, {OpEmitContext.Literal(Source)})";

    public override string OnnxExpression(OnnxEmitContext c)
    {
        int image = ScaledImage(c.InputShapes[0], c.InputShapes[1]);
        if (image < 0)
        {
            return OnnxEmitContext.Call("Mul", c.Inputs[0], c.Inputs[1]);
        }

        // A flat [N, C] scale becomes [N, C, 1, 1], which ONNX broadcasts over the planes as PyTorch does.
        TensorShape scaleShape = c.InputShapes[1 - image];
        string scale = scaleShape.IsImage ? c.Inputs[1 - image] : OnnxEmitContext.Call("Reshape", c.Inputs[1 - image], OpEmitContext.Int(scaleShape.Channels), "1", "1");
        return image == 0 ? OnnxEmitContext.Call("Mul", c.Inputs[0], scale) : OnnxEmitContext.Call("Mul", scale, c.Inputs[1]);
    }

    public override void EmitForward(OpEmitContext c, bool training)
    {
        int image = ScaledImage(c.InputShapes[0], c.InputShapes[1]);
        if (image < 0)
        {
            c.Line($"// {c.Output} {c.OutputShape} = {c.Inputs[0]} * {c.Inputs[1]}, elementwise");
            c.Line($"{OpEmitContext.Kernels}.Multiply.Forward({c.Inputs[0]}, {c.Inputs[1]}, {c.Output}, batch * {OpEmitContext.Int(c.OutputFeatures)});");
            return;
        }

        string scale = c.Inputs[1 - image];
        c.Line($"// {c.Output} {c.OutputShape} = {c.Inputs[image]} {c.InputShapes[image]} * {scale} {c.InputShapes[1 - image]}, each plane times its channel's value");
        c.Line($"{OpEmitContext.Kernels}.Multiply.ForwardByChannel({c.Inputs[image]}, {scale}, {c.Output}, batch, {OpEmitContext.Planes(c.OutputShape)});");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        int image = ScaledImage(c.InputShapes[0], c.InputShapes[1]);
        string first = c.InputGradients[0] ?? OpEmitContext.Empty;
        string second = c.InputGradients[1] ?? OpEmitContext.Empty;
        if (image < 0)
        {
            c.Line($"//   the gradient of each factor is {c.OutputGradient} times the other factor");
            c.Line($"{OpEmitContext.Kernels}.Multiply.Backward({c.OutputGradient}, {c.Inputs[0]}, {c.Inputs[1]}, {first}, {second}, batch * {OpEmitContext.Int(c.OutputFeatures)});");
            return;
        }

        string imageGradient = image == 0 ? first : second;
        string scaleGradient = image == 0 ? second : first;
        c.Line($"//   the image's gradient is {c.OutputGradient} times each channel's value; each value's is the sum over its plane of {c.OutputGradient} times the image");
        c.Line($"{OpEmitContext.Kernels}.Multiply.BackwardByChannel({c.OutputGradient}, {c.Inputs[image]}, {c.Inputs[1 - image]}, {imageGradient}, {scaleGradient}, batch, {OpEmitContext.Planes(c.OutputShape)});");
    }

    /// <summary>
    /// Which input is an image that the other scales channel by channel (0 or 1), or -1 when the two have the same shape or
    /// do not fit together. Two shapes that are equal multiply elementwise, whatever they are.
    /// </summary>
    private static int ScaledImage(TensorShape first, TensorShape second)
        => first == second ? -1 : ScalesChannels(first, second) ? 0 : ScalesChannels(second, first) ? 1 : -1;

    /// <summary>Whether <paramref name="scale"/> holds one value per channel of the image <paramref name="image"/>.</summary>
    private static bool ScalesChannels(TensorShape image, TensorShape scale)
        => image.IsImage && scale.Channels == image.Channels && scale.Height == 1 && scale.Width == 1;
}
