using System.Collections.Generic;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// <c>nn.MaxPool2d(kernel, stride, padding, dilation, ceil_mode)</c>: the maximum of each window, channel by channel. The forward
/// pass keeps the position of each maximum (ints in the arena, in eval mode too, since the kernel writes them); the
/// backward pass scatters the output gradient to those positions. After a layer with a fused ReLU whose output feeds
/// nothing else, the backward pass also applies ReLU's derivative (<paramref name="InputDerivative"/>): a window's
/// gradient goes to its maximum's position only where the maximum is positive, read from the small pooled output
/// instead of a second pass over the layer's gradient and output.
/// </summary>
/// <param name="Window">Window size, step between windows, -∞ padding on each side and spacing between window taps, along each axis.</param>
/// <param name="CeilMode">PyTorch's <c>ceil_mode</c>: the output sizes round up.</param>
/// <param name="InputDerivative">The activation of the input's producer whose derivative the backward pass applies (ReLU), or <see cref="ActivationKind.None"/>.</param>
/// <param name="InputGradientLeftToProducer">
/// Whether the input's producer forms the input gradient itself from this op's backward inputs (a convolution whose
/// input needs no gradient, see <see cref="Op.WithOutputGradientFrom"/>), so the backward pass writes nothing.
/// </param>
internal sealed record MaxPool2dOp(
    Window2d Window, bool CeilMode = false, ActivationKind InputDerivative = ActivationKind.None, bool InputGradientLeftToProducer = false) : Op
{
    /// <summary>
    /// Parses <c>[MaxPool2d(kernelSize)]</c> and <c>[MaxPool2d(kernelHeight, kernelWidth)]</c> with <c>Stride = kernel,
    /// Padding = 0, Dilation = 1</c> (each also per axis: <c>StrideHeight</c>, <c>PaddingWidth</c>, ...), <c>CeilMode = false</c>.
    /// </summary>
    public static Op? Parse(AttributeReader r)
        => Window2d.Parse(r, kernelPosition: 0, defaultStride: 0, paddingAtMostHalfKernel: true, hasDilation: true) is { } window
            ? new MaxPool2dOp(window, r.Bool("CeilMode", -1, false))
            : null;

    public override string Name => "MaxPool2d";

    public override bool TakesFlat => false;

    public override bool TakesImages => true;

    public override string? GeometryProblem(EquatableArray<TensorShape> inputs)
        => ImageGeometry.WindowProblem(inputs[0], Window, CeilMode);

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs)
        => ImageGeometry.Output(inputs[0], inputs[0].Channels, Window, CeilMode);

    public override Op? WithInputDerivative(ActivationKind activation)
        => activation == ActivationKind.ReLU && InputDerivative == ActivationKind.None ? this with { InputDerivative = activation } : null;

    public override bool BackwardReadsOutput => InputDerivative != ActivationKind.None;

    public override Op WithInputGradientLeftToProducer() => this with { InputGradientLeftToProducer = true };

    /// <summary>The window options as the kernels take them: kernel, stride, padding and dilation, each height then width.</summary>
    public string WindowArguments => Window.KernelArguments();

    /// <summary>The trailing ceil-mode argument named <paramref name="name"/> of a kernel call: only in ceil mode (the kernels' default is floor mode).</summary>
    public string CeilModeArgument(string name) => CeilMode ? $", {name}: true" : string.Empty;

    /// <summary>The indices of the saved span <paramref name="saved"/> as the kernels take them.</summary>
    public static string IndicesOf(string saved) => $"global::System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>({saved})";

    public override IEnumerable<SavedDecl> Saved(EquatableArray<TensorShape> inputs, TensorShape output)
    {
        yield return new SavedDecl("Indices", output.Features, "max pooling indices (ints: each maximum's position in its input plane)", ForwardNeedsIt: true);
    }

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output)
        => $"MaxPool2d({Window.Options(defaultStrideIsKernel: true)}{(CeilMode ? ", ceil_mode=True" : string.Empty)})";

    public override string Construct(string parameterSet, IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => $"new global::StaticGrad.MaxPool2d({Window.TupleArguments()}{CeilModeArgument("ceilMode")})";

    public override string OnnxExpression(OnnxEmitContext c)
        => OnnxEmitContext.Call(
            "MaxPool", c.Input, Window.TupleArguments() + CeilModeArgument("ceilMode") + (CeilMode ? ImageGeometry.InputSizeArgument(c.InputShapes[0]) : string.Empty));

    public override void EmitForward(OpEmitContext c, bool training)
    {
        c.Line($"// {c.Output} {c.OutputShape} = max over each {Window.KernelText} window of {c.Input} {c.InputShapes[0]}, positions kept");
        c.Line($"{OpEmitContext.Kernels}.MaxPool2d.Forward({c.Input}, {c.Output}, {Indices(c)}, batch, {Geometry(c)});");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        if (c.InputGradients[0] is not { } inputGradient)
        {
            c.Line($"//   no gradient for {c.Input}: nothing before it has parameters (pruned).");
            return;
        }

        if (InputGradientLeftToProducer)
        {
            c.Line($"//   {inputGradient} {c.InputShapes[0]} is not written here: the producer's weight gradient forms it sample by sample");
            c.Line($"//   from {c.OutputGradient}{(InputDerivative == ActivationKind.ReLU ? $", {c.Output}" : string.Empty)} and the kept positions");
            return;
        }

        if (InputDerivative == ActivationKind.ReLU)
        {
            c.Line($"//   {inputGradient} {c.InputShapes[0]} = {c.OutputGradient} scattered to the kept positions whose maximum in {c.Output} {c.OutputShape} is positive");
            c.Line($"//   (ReLU'({c.Input}) of the producer's fused ReLU, applied here: one pass, no read of {c.Input})");
            c.Line($"{OpEmitContext.Kernels}.MaxPool2d.BackwardThroughReLU({c.OutputGradient}, {c.Output}, {Indices(c)}, {inputGradient}, batch, {Geometry(c)});");
            return;
        }

        c.Line($"//   {inputGradient} {c.InputShapes[0]} = {c.OutputGradient} scattered to the kept positions");
        c.Line($"{OpEmitContext.Kernels}.MaxPool2d.Backward({c.OutputGradient}, {Indices(c)}, {inputGradient}, batch, {Geometry(c)});");
    }

    private static string Indices(OpEmitContext c) => IndicesOf(c.Saved("Indices"));

    private string Geometry(OpEmitContext c)
    {
        TensorShape input = c.InputShapes[0];
        return $"{OpEmitContext.Int(input.Channels)}, {OpEmitContext.Int(input.Height)}, {OpEmitContext.Int(input.Width)}, {WindowArguments}{CeilModeArgument("ceilMode")}";
    }
}
