using System.Collections.Generic;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// <c>nn.ZeroPad2d((left, right, top, bottom))</c>: each plane moved by (<paramref name="Top"/>, <paramref name="Left"/>)
/// with zeros around it; a negative amount removes rows or columns. The backward pass keeps the gradient of the values
/// that were copied (the same kernel with every amount negated).
/// </summary>
/// <param name="Left">Columns added before each row.</param>
/// <param name="Right">Columns added after each row.</param>
/// <param name="Top">Rows added above.</param>
/// <param name="Bottom">Rows added below.</param>
internal sealed record ZeroPad2dOp(int Left, int Right, int Top, int Bottom) : Op
{
    /// <summary>Parses <c>[ZeroPad2d(padding)]</c> and <c>[ZeroPad2d(left, right, top, bottom)]</c>.</summary>
    public static Op? Parse(AttributeReader r)
    {
        if (r.ConstructorArgumentCount == 1)
        {
            int padding = r.Int("padding", 0, 0);
            return new ZeroPad2dOp(padding, padding, padding, padding);
        }

        return new ZeroPad2dOp(r.Int("left", 0, 0), r.Int("right", 1, 0), r.Int("top", 2, 0), r.Int("bottom", 3, 0));
    }

    public override string Name => "ZeroPad2d";

    public override bool TakesFlat => false;

    public override bool TakesImages => true;

    public override string? GeometryProblem(EquatableArray<TensorShape> inputs)
    {
        TensorShape input = inputs[0];
        long height = (long)Top + input.Height + Bottom, width = (long)Left + input.Width + Right;
        if (height >= 1 && width >= 1 && height * width <= int.MaxValue)
        {
            return null;
        }

        string sizes = $"{OpEmitContext.Long(height)} x {OpEmitContext.Long(width)}";
        return height >= 1 && width >= 1
            ? $"its padding {Tuple} (left, right, top, bottom) makes the {OpEmitContext.Int(input.Height)} x {OpEmitContext.Int(input.Width)} input {sizes}, more than an image plane holds"
            : $"its padding {Tuple} (left, right, top, bottom) leaves {sizes} of the {OpEmitContext.Int(input.Height)} x {OpEmitContext.Int(input.Width)} input";
    }

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs)
        => TensorShape.Image(
            inputs[0].Channels,
            (int)System.Math.Max(1, (long)Top + inputs[0].Height + Bottom),
            (int)System.Math.Max(1, (long)Left + inputs[0].Width + Right));

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output) => $"ZeroPad2d({Tuple})";

    public override string Construct(string parameterSet, IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => $"new global::StaticGrad.ZeroPad2d({Arguments})";

    public override string OnnxExpression(OnnxEmitContext c) => OnnxEmitContext.Call("ZeroPad", c.Input, Arguments);

    public override void EmitForward(OpEmitContext c, bool training)
    {
        c.Line($"// {c.Output} {c.OutputShape} = {c.Input} {c.InputShapes[0]} with zero padding (left, right, top, bottom) = {Tuple}");
        c.Line($"{OpEmitContext.Kernels}.ZeroPad2d.Forward({c.Input}, {c.Output}, batch, {OpEmitContext.Planes(c.InputShapes[0])}, {Arguments});");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        if (c.InputGradients[0] is not { } inputGradient)
        {
            c.Line($"//   no gradient for {c.Input}: nothing before it has parameters (pruned).");
            return;
        }

        c.Line($"//   {inputGradient} {c.InputShapes[0]} = {c.OutputGradient} less its padding");
        c.Line($"{OpEmitContext.Kernels}.ZeroPad2d.Backward({c.OutputGradient}, {inputGradient}, batch, {OpEmitContext.Planes(c.InputShapes[0])}, {Arguments});");
    }

    private string Arguments => $"{OpEmitContext.Int(Left)}, {OpEmitContext.Int(Right)}, {OpEmitContext.Int(Top)}, {OpEmitContext.Int(Bottom)}";

    private string Tuple => $"({Arguments})";
}
