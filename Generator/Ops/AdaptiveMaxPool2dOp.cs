using System.Collections.Generic;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// <c>nn.AdaptiveMaxPool2d((oh, ow))</c>: the maximum over each adaptive window (<c>[⌊i·H/oh⌋, ⌈(i+1)·H/oh⌉)</c>, columns
/// likewise), channel by channel, for any input size. The forward pass keeps each maximum's position (ints in the arena,
/// in eval mode too, since the kernel writes them); the backward pass adds the output gradient at those positions.
/// </summary>
/// <param name="OutputHeight">The output height.</param>
/// <param name="OutputWidth">The output width.</param>
internal sealed record AdaptiveMaxPool2dOp(int OutputHeight, int OutputWidth) : Op
{
    /// <summary>Parses <c>[AdaptiveMaxPool2d(outputSize)]</c> and <c>[AdaptiveMaxPool2d(outputHeight, outputWidth)]</c>.</summary>
    public static Op? Parse(AttributeReader r)
        => ImageGeometry.AdaptiveOutputSize(r) is (int height, int width) ? new AdaptiveMaxPool2dOp(height, width) : null;

    public override string Name => "AdaptiveMaxPool2d";

    public override bool TakesFlat => false;

    public override bool TakesImages => true;

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs) => TensorShape.Image(inputs[0].Channels, OutputHeight, OutputWidth);

    public override IEnumerable<SavedDecl> Saved(EquatableArray<TensorShape> inputs, TensorShape output)
    {
        yield return new SavedDecl("Indices", output.Features, "adaptive max pooling indices (ints: each maximum's position in its input plane)", ForwardNeedsIt: true);
    }

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output)
        => $"AdaptiveMaxPool2d({(OutputHeight == OutputWidth ? OpEmitContext.Int(OutputHeight) : Size)})";

    public override string Construct(string parameterSet, IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => $"new global::StaticGrad.AdaptiveMaxPool2d({OpEmitContext.Int(OutputHeight)}, {OpEmitContext.Int(OutputWidth)})";

    public override string OnnxExpression(OnnxEmitContext c)
        => OnnxEmitContext.Call("AdaptiveMaxPool", c.Input, $"({OpEmitContext.Int(c.InputShapes[0].Height)}, {OpEmitContext.Int(c.InputShapes[0].Width)})", Size);

    public override void EmitForward(OpEmitContext c, bool training)
    {
        c.Line($"// {c.Output} {c.OutputShape} = max over each adaptive window of {c.Input} {c.InputShapes[0]}, positions kept");
        c.Line($"{OpEmitContext.Kernels}.AdaptiveMaxPool2d.Forward({c.Input}, {c.Output}, {Indices(c)}, batch, {Geometry(c)});");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        if (c.InputGradients[0] is not { } inputGradient)
        {
            c.Line($"//   no gradient for {c.Input}: nothing before it has parameters (pruned).");
            return;
        }

        c.Line($"//   {inputGradient} {c.InputShapes[0]} = {c.OutputGradient} added at the kept positions");
        c.Line($"{OpEmitContext.Kernels}.AdaptiveMaxPool2d.Backward({c.OutputGradient}, {Indices(c)}, {inputGradient}, batch, {Geometry(c)});");
    }

    private string Size => $"({OpEmitContext.Int(OutputHeight)}, {OpEmitContext.Int(OutputWidth)})";

    private static string Indices(OpEmitContext c) => MaxPool2dOp.IndicesOf(c.Saved("Indices"));

    private string Geometry(OpEmitContext c)
    {
        TensorShape input = c.InputShapes[0];
        return $"{OpEmitContext.Planes(input)}, {OpEmitContext.Int(OutputHeight)}, {OpEmitContext.Int(OutputWidth)}";
    }
}
