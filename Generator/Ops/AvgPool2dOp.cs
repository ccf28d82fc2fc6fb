using System.Collections.Generic;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// <c>nn.AvgPool2d(kernel, stride, padding)</c> with PyTorch's defaults (padding counted in the divisor, floor mode), and
/// <c>nn.AdaptiveAvgPool2d(n)</c> lowered to it when the input's sides are multiples of <c>n</c> (equal windows that do
/// not overlap). The backward pass spreads each output gradient evenly over its window.
/// </summary>
/// <param name="KernelHeight">Window height.</param>
/// <param name="KernelWidth">Window width.</param>
/// <param name="Stride">Step between windows; ignored when <paramref name="AdaptiveSize"/> is set.</param>
/// <param name="Padding">Zero padding on each side.</param>
/// <param name="AdaptiveSize">The output size of an adaptive pool (its window follows from the input), or 0.</param>
internal sealed record AvgPool2dOp(int KernelHeight, int KernelWidth, int Stride, int Padding, int AdaptiveSize) : Op
{
    /// <summary>Parses <c>[AvgPool2d(kernelSize, Stride = kernelSize, Padding = 0)]</c>.</summary>
    public static Op? Parse(AttributeReader r)
    {
        int kernel = r.Int("kernelSize", 0, 0);
        int stride = r.Int("Stride", -1, 0);
        int padding = r.Int("Padding", -1, 0);
        stride = stride == 0 ? kernel : stride;
        return ImageGeometry.CheckOptions(r, kernel, stride, padding, 1, maxPadding: kernel / 2)
            ? new AvgPool2dOp(kernel, kernel, stride, padding, 0)
            : null;
    }

    /// <summary>Parses <c>[AdaptiveAvgPool2d(outputSize)]</c>.</summary>
    public static Op? ParseAdaptive(AttributeReader r)
    {
        int size = r.Int("outputSize", 0, 0);
        if (size <= 0)
        {
            r.InvalidArgument("outputSize", AttributeReader.Format(size), "it must be positive");
            return null;
        }

        return new AvgPool2dOp(0, 0, 0, 0, size);
    }

    public override string Name => AdaptiveSize > 0 ? "AdaptiveAvgPool2d" : "AvgPool2d";

    public override bool TakesFlat => false;

    public override bool TakesImages => true;

    public override string? GeometryProblem(EquatableArray<TensorShape> inputs)
    {
        TensorShape input = inputs[0];
        if (AdaptiveSize > 0)
        {
            return input.Height % AdaptiveSize == 0 && input.Width % AdaptiveSize == 0
                ? null
                : $"its input is {input.Height} x {input.Width}, not a multiple of the output size {AdaptiveSize} on both sides "
                    + "(only equal, non-overlapping windows are supported; use AvgPool2d for other windows)";
        }

        return ImageGeometry.WindowProblem(input, KernelHeight, Stride, Padding, 1);
    }

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs)
        => AdaptiveSize > 0
            ? TensorShape.Image(inputs[0].Channels, AdaptiveSize, AdaptiveSize)
            : ImageGeometry.Output(inputs[0], inputs[0].Channels, KernelHeight, Stride, Padding, 1);

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output)
        => AdaptiveSize > 0
            ? $"AdaptiveAvgPool2d({OpEmitContext.Int(AdaptiveSize)})"
            : $"AvgPool2d({ImageGeometry.Options(KernelHeight, Stride, KernelHeight, Padding, 1)})";

    public override string Construct(string parameterSet, IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => AdaptiveSize > 0
            ? $"new global::StaticGrad.AdaptiveAvgPool2d({OpEmitContext.Int(AdaptiveSize)})"
            : $"new global::StaticGrad.AvgPool2d({OpEmitContext.Int(KernelHeight)}, {OpEmitContext.Int(Stride)}, {OpEmitContext.Int(Padding)})";

    public override void EmitForward(OpEmitContext c, bool training)
    {
        TensorShape input = c.InputShapes[0];
        if (IsGlobal)
        {
            c.Line($"// {c.Output} {c.OutputShape} = mean of each channel of {c.Input} {input}");
            c.Line($"{OpEmitContext.Kernels}.GlobalAvgPool2d.Forward({c.Input}, {c.Output}, batch, {Planes(input)});");
            return;
        }

        (int kh, int kw, int sh, int sw) = Window(input);
        c.Line($"// {c.Output} {c.OutputShape} = mean over each {OpEmitContext.Int(kh)} x {OpEmitContext.Int(kw)} window of {c.Input} {input}");
        c.Line($"{OpEmitContext.Kernels}.AvgPool2d.Forward({c.Input}, {c.Output}, batch, {Planes(input)}, {Arguments(kh, kw, sh, sw)});");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        if (c.InputGradients[0] is not { } inputGradient)
        {
            c.Line($"//   no gradient for {c.Input}: nothing before it has parameters (pruned).");
            return;
        }

        TensorShape input = c.InputShapes[0];
        c.Line($"//   {inputGradient} {input} = {c.OutputGradient} spread evenly over each window");
        if (IsGlobal)
        {
            c.Line($"{OpEmitContext.Kernels}.GlobalAvgPool2d.Backward({c.OutputGradient}, {inputGradient}, batch, {Planes(input)});");
            return;
        }

        (int kh, int kw, int sh, int sw) = Window(input);
        c.Line($"{OpEmitContext.Kernels}.AvgPool2d.Backward({c.OutputGradient}, {inputGradient}, batch, {Planes(input)}, {Arguments(kh, kw, sh, sw)});");
    }

    /// <summary>The global average pool of a classifier head, <c>AdaptiveAvgPool2d(1)</c>, has its own kernel.</summary>
    private bool IsGlobal => AdaptiveSize == 1;

    /// <summary>The window: declared, or for an adaptive pool the input's sides divided by the output size.</summary>
    private (int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth) Window(TensorShape input)
    {
        if (AdaptiveSize == 0)
        {
            return (KernelHeight, KernelWidth, Stride, Stride);
        }

        int kh = input.Height / AdaptiveSize, kw = input.Width / AdaptiveSize;
        return (kh, kw, kh, kw);
    }

    private static string Planes(TensorShape input)
        => $"{OpEmitContext.Int(input.Channels)}, {OpEmitContext.Int(input.Height)}, {OpEmitContext.Int(input.Width)}";

    private string Arguments(int kh, int kw, int sh, int sw)
        => $"{OpEmitContext.Int(kh)}, {OpEmitContext.Int(kw)}, {OpEmitContext.Int(sh)}, {OpEmitContext.Int(sw)}, {OpEmitContext.Int(Padding)}, {OpEmitContext.Int(Padding)}";
}
