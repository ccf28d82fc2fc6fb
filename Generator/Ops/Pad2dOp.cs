using System.Collections.Generic;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// <c>nn.ZeroPad2d</c>, <c>nn.ReflectionPad2d</c> and <c>nn.ReplicationPad2d</c> with <c>(left, right, top, bottom)</c>: each
/// plane moved by (<paramref name="Top"/>, <paramref name="Left"/>) with zeros, its mirror image or copies of its edge around
/// it; a negative amount removes rows or columns. The backward pass keeps the gradient of the values that were copied,
/// summed where one was copied several times.
/// </summary>
/// <param name="Mode">What is added around the plane.</param>
/// <param name="Left">Columns added before each row.</param>
/// <param name="Right">Columns added after each row.</param>
/// <param name="Top">Rows added above.</param>
/// <param name="Bottom">Rows added below.</param>
internal sealed record Pad2dOp(PadMode Mode, int Left, int Right, int Top, int Bottom) : Op
{
    /// <summary>Parses <c>[ZeroPad2d(padding)]</c> and <c>[ZeroPad2d(left, right, top, bottom)]</c>.</summary>
    public static Op? ParseZero(AttributeReader r) => Parse(PadMode.Zero, r);

    /// <summary>Parses <c>[ReflectionPad2d(padding)]</c> and <c>[ReflectionPad2d(left, right, top, bottom)]</c>.</summary>
    public static Op? ParseReflection(AttributeReader r) => Parse(PadMode.Reflection, r);

    /// <summary>Parses <c>[ReplicationPad2d(padding)]</c> and <c>[ReplicationPad2d(left, right, top, bottom)]</c>.</summary>
    public static Op? ParseReplication(AttributeReader r) => Parse(PadMode.Replication, r);

    public override string Name => $"{Mode}Pad2d";

    public override bool TakesFlat => false;

    public override bool TakesImages => true;

    public override string? GeometryProblem(EquatableArray<TensorShape> inputs)
    {
        TensorShape input = inputs[0];
        long height = (long)Top + input.Height + Bottom, width = (long)Left + input.Width + Right;
        string inputSize = $"{OpEmitContext.Int(input.Height)} x {OpEmitContext.Int(input.Width)}";
        if (Mode == PadMode.Reflection && (Left >= input.Width || Right >= input.Width || Top >= input.Height || Bottom >= input.Height))
        {
            // PyTorch: "Padding size should be less than the corresponding input dimension".
            return $"its padding {Tuple} (left, right, top, bottom) reflects the {inputSize} input, which takes at most {OpEmitContext.Long(input.Width - 1L)} columns and {OpEmitContext.Long(input.Height - 1L)} rows on a side (each amount below the input's size along its axis)";
        }

        if (height >= 1 && width >= 1 && height * width <= int.MaxValue)
        {
            return null;
        }

        string sizes = $"{OpEmitContext.Long(height)} x {OpEmitContext.Long(width)}";
        return height >= 1 && width >= 1
            ? $"its padding {Tuple} (left, right, top, bottom) makes the {inputSize} input {sizes}, more than an image plane holds"
            : $"its padding {Tuple} (left, right, top, bottom) leaves {sizes} of the {inputSize} input";
    }

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs)
        => TensorShape.Image(
            inputs[0].Channels,
            (int)System.Math.Max(1, (long)Top + inputs[0].Height + Bottom),
            (int)System.Math.Max(1, (long)Left + inputs[0].Width + Right));

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output) => $"{Name}({Tuple})";

    public override string Construct(string parameterSet, IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => $"new global::StaticGrad.{Name}({Arguments})";

    public override string OnnxExpression(OnnxEmitContext c) => OnnxEmitContext.Call($"{Mode}Pad", c.Input, Arguments);

    public override void EmitForward(OpEmitContext c, bool training)
    {
        c.Line($"// {c.Output} {c.OutputShape} = {c.Input} {c.InputShapes[0]} with {Mode.ToString().ToLowerInvariant()} padding (left, right, top, bottom) = {Tuple}");
        c.Line($"{OpEmitContext.Kernels}.{Name}.Forward({c.Input}, {c.Output}, batch, {OpEmitContext.Planes(c.InputShapes[0])}, {Arguments});");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        if (c.InputGradients[0] is not { } inputGradient)
        {
            c.Line($"//   no gradient for {c.Input}: nothing before it has parameters (pruned).");
            return;
        }

        c.Line(Mode == PadMode.Zero
            ? $"//   {inputGradient} {c.InputShapes[0]} = {c.OutputGradient} less its padding"
            : $"//   {inputGradient} {c.InputShapes[0]} = {c.OutputGradient} summed onto the values each position copied");
        c.Line($"{OpEmitContext.Kernels}.{Name}.Backward({c.OutputGradient}, {inputGradient}, batch, {OpEmitContext.Planes(c.InputShapes[0])}, {Arguments});");
    }

    private static Op? Parse(PadMode mode, AttributeReader r)
    {
        if (r.ConstructorArgumentCount == 1)
        {
            int padding = r.Int("padding", 0, 0);
            return new Pad2dOp(mode, padding, padding, padding, padding);
        }

        return new Pad2dOp(mode, r.Int("left", 0, 0), r.Int("right", 1, 0), r.Int("top", 2, 0), r.Int("bottom", 3, 0));
    }

    private string Arguments => $"{OpEmitContext.Int(Left)}, {OpEmitContext.Int(Right)}, {OpEmitContext.Int(Top)}, {OpEmitContext.Int(Bottom)}";

    private string Tuple => $"({Arguments})";
}
