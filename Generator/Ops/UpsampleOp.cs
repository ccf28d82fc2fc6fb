using System.Collections.Generic;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// <c>nn.Upsample(scale_factor=(sh, sw), mode='nearest')</c> with whole factors: every input pixel repeated over an
/// <c>sh × sw</c> block; the backward pass sums each block's gradient.
/// </summary>
/// <param name="ScaleHeight">The vertical factor.</param>
/// <param name="ScaleWidth">The horizontal factor.</param>
internal sealed record UpsampleOp(int ScaleHeight, int ScaleWidth) : Op
{
    /// <summary>Parses <c>[Upsample(ScaleFactor = 2)]</c> with <c>ScaleFactorHeight</c> and <c>ScaleFactorWidth</c> per axis.</summary>
    public static Op? Parse(AttributeReader r)
    {
        int both = r.Int("ScaleFactor", -1, 2);
        int height = r.Int("ScaleFactorHeight", -1, both), width = r.Int("ScaleFactorWidth", -1, both);
        foreach ((string name, int value) in new[] { (r.IsSet("ScaleFactorHeight") ? "ScaleFactorHeight" : "ScaleFactor", height), (r.IsSet("ScaleFactorWidth") ? "ScaleFactorWidth" : "ScaleFactor", width) })
        {
            if (value <= 0)
            {
                r.InvalidArgument(name, OpEmitContext.Int(value), "it must be a positive whole factor");
                return null;
            }
        }

        return new UpsampleOp(height, width);
    }

    public override string Name => "Upsample";

    public override bool TakesFlat => false;

    public override bool TakesImages => true;

    public override string? GeometryProblem(EquatableArray<TensorShape> inputs)
        => (long)inputs[0].Height * ScaleHeight * inputs[0].Width * ScaleWidth <= int.MaxValue
            ? null
            : $"its {OpEmitContext.Int(inputs[0].Height)} x {OpEmitContext.Int(inputs[0].Width)} input scaled by {OpEmitContext.Int(ScaleHeight)} x {OpEmitContext.Int(ScaleWidth)} is more than an image plane holds";

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs)
        => TensorShape.Image(inputs[0].Channels, (int)System.Math.Min(int.MaxValue, (long)inputs[0].Height * ScaleHeight), (int)System.Math.Min(int.MaxValue, (long)inputs[0].Width * ScaleWidth));

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output)
        => ScaleHeight == ScaleWidth
            ? $"Upsample(scale_factor={OpEmitContext.Int(ScaleHeight)}.0, mode='nearest')"
            : $"Upsample(scale_factor=({OpEmitContext.Int(ScaleHeight)}.0, {OpEmitContext.Int(ScaleWidth)}.0), mode='nearest')";

    public override string Construct(string parameterSet, IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => $"new global::StaticGrad.Upsample({Scale})";

    public override string OnnxExpression(OnnxEmitContext c) => OnnxEmitContext.Call("UpsampleNearest", c.Input, Scale);

    public override void EmitForward(OpEmitContext c, bool training)
    {
        c.Line($"// {c.Output} {c.OutputShape} = {c.Input} {c.InputShapes[0]} with every pixel repeated over a {OpEmitContext.Int(ScaleHeight)} x {OpEmitContext.Int(ScaleWidth)} block");
        c.Line($"{OpEmitContext.Kernels}.Upsample2d.Forward({c.Input}, {c.Output}, batch, {OpEmitContext.Planes(c.InputShapes[0])}, {OpEmitContext.Int(ScaleHeight)}, {OpEmitContext.Int(ScaleWidth)});");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        if (c.InputGradients[0] is not { } inputGradient)
        {
            c.Line($"//   no gradient for {c.Input}: nothing before it has parameters (pruned).");
            return;
        }

        c.Line($"//   {inputGradient} {c.InputShapes[0]} = the sums of {c.OutputGradient}'s blocks");
        c.Line($"{OpEmitContext.Kernels}.Upsample2d.Backward({c.OutputGradient}, {inputGradient}, batch, {OpEmitContext.Planes(c.InputShapes[0])}, {OpEmitContext.Int(ScaleHeight)}, {OpEmitContext.Int(ScaleWidth)});");
    }

    private string Scale => $"({OpEmitContext.Int(ScaleHeight)}, {OpEmitContext.Int(ScaleWidth)})";
}
