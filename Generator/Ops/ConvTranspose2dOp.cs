using System.Collections.Generic;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// <c>nn.ConvTranspose2d(in, out, kernel, stride, padding, output_padding, groups, bias, dilation)</c> on an image: weight
/// <c>[in, out/groups, kh, kw]</c> and bias <c>[out]</c> drawn from <c>U(-1/sqrt(fan_in), 1/sqrt(fan_in))</c> with PyTorch's
/// <c>fan_in = out/groups · kh · kw</c> (the weight's second dimension times the kernel). The runtime kernels are the
/// convolution's with the roles exchanged (<c>Kernels.ConvTranspose2d</c>); the fusion pass may fold a following ReLU,
/// Sigmoid or Tanh into the forward pass (<paramref name="Fused"/>), whose derivative the backward pass then applies first.
/// </summary>
/// <param name="OutChannels">Output channels.</param>
/// <param name="Window">Kernel, stride, padding taken off each side and dilation, along each axis.</param>
/// <param name="OutputPaddingHeight">Rows added below the output (PyTorch's <c>output_padding</c>).</param>
/// <param name="OutputPaddingWidth">Columns added right of the output.</param>
/// <param name="Groups">Channel groups.</param>
/// <param name="Bias">Whether the layer has a bias.</param>
/// <param name="Fused">The activation folded into the forward pass, or <see cref="ActivationKind.None"/>.</param>
internal sealed record ConvTranspose2dOp(
    int OutChannels, Window2d Window, int OutputPaddingHeight, int OutputPaddingWidth, int Groups, bool Bias, ActivationKind Fused = ActivationKind.None) : Op
{
    /// <summary>
    /// Parses <c>[ConvTranspose2d(outChannels, kernelSize)]</c> and <c>[ConvTranspose2d(outChannels, kernelHeight, kernelWidth)]</c>
    /// with <c>Stride = 1, Padding = 0, OutputPadding = 0, Dilation = 1</c> (each also per axis), <c>Groups = 1, Bias = true</c>.
    /// </summary>
    public static Op? Parse(AttributeReader r)
    {
        int outChannels = r.Int("outChannels", 0, 0);
        int groups = r.Int("Groups", -1, 1);
        if (outChannels <= 0)
        {
            r.InvalidArgument("outChannels", OpEmitContext.Int(outChannels), "a transposed convolution needs at least one output channel");
            return null;
        }

        if (Window2d.Parse(r, kernelPosition: 1, defaultStride: 1, paddingAtMostHalfKernel: false, hasDilation: true) is not { } window
            || window.OutputPadding(r) is not { } outputPadding)
        {
            return null;
        }

        if (groups <= 0 || outChannels % groups != 0)
        {
            r.InvalidArgument("Groups", OpEmitContext.Int(groups), $"it must be positive and divide the {OpEmitContext.Int(outChannels)} output channels");
            return null;
        }

        return new ConvTranspose2dOp(outChannels, window, outputPadding.Height, outputPadding.Width, groups, r.Bool("Bias", -1, true));
    }

    public override string Name => "ConvTranspose2d";

    public override bool TakesFlat => false;

    public override bool TakesImages => true;

    public override bool HasParameters => true;

    /// <inheritdoc />
    public override bool HasWorkspace => true;

    public override string? GeometryProblem(EquatableArray<TensorShape> inputs)
    {
        if (inputs[0].Channels % Groups != 0)
        {
            return $"its {OpEmitContext.Int(inputs[0].Channels)} input channels are not divisible by Groups = {OpEmitContext.Int(Groups)}";
        }

        (long height, long width) = OutputSize(inputs[0]);
        return height >= 1 && width >= 1 && height <= int.MaxValue && width <= int.MaxValue && height * width <= int.MaxValue
            ? null
            : $"(H - 1)·stride - 2·padding + dilation·(kernel - 1) + output_padding + 1 gives {OpEmitContext.Long(height)} x {OpEmitContext.Long(width)} for its {OpEmitContext.Int(inputs[0].Height)} x {OpEmitContext.Int(inputs[0].Width)} input";
    }

    public override Op? WithEpilogue(ActivationKind activation)
        => Fused == ActivationKind.None && LinearOp.CanFuse(activation) ? this with { Fused = activation } : null;

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs)
    {
        (long height, long width) = OutputSize(inputs[0]);
        return TensorShape.Image(OutChannels, (int)System.Math.Max(1, System.Math.Min(height, int.MaxValue)), (int)System.Math.Max(1, System.Math.Min(width, int.MaxValue)));
    }

    public override IEnumerable<ParameterDecl> Parameters(EquatableArray<TensorShape> inputs)
    {
        int fanIn = OutChannels / Groups * Window.KernelHeight * Window.KernelWidth;
        yield return new ParameterDecl("weight", new[] { inputs[0].Channels, OutChannels / Groups, Window.KernelHeight, Window.KernelWidth }.ToEquatableArray(), fanIn, 0f);
        if (Bias)
        {
            yield return new ParameterDecl("bias", new[] { OutChannels }.ToEquatableArray(), fanIn, 0f);
        }
    }

    public override bool BackwardReadsInputs => true;

    public override bool BackwardReadsOutput => Fused != ActivationKind.None;

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output)
        => $"ConvTranspose2d({OpEmitContext.Int(inputs[0].Channels)}, {OpEmitContext.Int(OutChannels)}, {Window.Options(defaultStrideIsKernel: false)}"
            + (OutputPaddingHeight == 0 && OutputPaddingWidth == 0 ? string.Empty
                : OutputPaddingHeight == OutputPaddingWidth ? $", output_padding={OpEmitContext.Int(OutputPaddingHeight)}" : $", output_padding=({OpEmitContext.Int(OutputPaddingHeight)}, {OpEmitContext.Int(OutputPaddingWidth)})")
            + (Groups == 1 ? string.Empty : $", groups={OpEmitContext.Int(Groups)}")
            + (Bias ? string.Empty : ", bias=False") + ")"
            + (Fused == ActivationKind.None ? string.Empty : ", " + Fused);

    public override string Construct(string parameterSet, IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => $"new global::StaticGrad.ConvTranspose2d({parameterSet}, {tensors[0]}, {(Bias ? tensors[1] : "null")}, "
            + $"{OpEmitContext.Int(inputs[0].Height)}, {OpEmitContext.Int(inputs[0].Width)}, {Window.LayerArguments(dilation: false)}, {OutputPaddingTuple}, "
            + $"{Window.DilationTuple}, {OpEmitContext.Int(Groups)})";

    public override string OnnxExpression(OnnxEmitContext c)
        => OnnxEmitContext.Activated(
            OnnxEmitContext.Call(
                "ConvTranspose", c.Input, c.Name("weight"), c.NameOrNull("bias"),
                $"{Window.TupleArguments(dilation: false)}, {OutputPaddingTuple}, {Window.DilationTuple}", OpEmitContext.Int(Groups)),
            Fused);

    public override void EmitForward(OpEmitContext c, bool training)
    {
        string expression = $"convᵀ({c.Input} {c.InputShapes[0]}, weight {WeightShape(c)}){(Bias ? " + bias" : string.Empty)}";
        c.Line($"// {c.Output} {c.OutputShape} = {(Fused == ActivationKind.None ? expression : $"{Fused}({expression})")}");
        string bias = Bias ? c.Parameter("bias") : OpEmitContext.Empty;
        string workspace = training ? "Workspace" : "InferenceWorkspace";
        c.Line($"{OpEmitContext.Kernels}.ConvTranspose2d.Forward({c.Input}, {c.Parameter("weight")}, {bias}, {c.Output}, {c.Field}.{workspace}, batch, {Geometry(c)}, {OpEmitContext.Kernels}.Activation.{Fused});");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        string gradient = c.OutputGradient;
        if (Fused != ActivationKind.None)
        {
            c.Line($"//   {gradient} *= {Fused}'({c.Output}) in place");
            c.Line($"{OpEmitContext.Kernels}.ActivationBackward.Apply({gradient}, {c.Output}, batch * {OpEmitContext.Int(c.OutputFeatures)}, {OpEmitContext.Kernels}.Activation.{Fused});");
            c.Line(string.Empty);
        }

        string trainable = Bias ? $"{c.Trainable("weight")} || {c.Trainable("bias")}" : c.Trainable("weight");
        string biasGradient = Bias ? c.GradientIfTrainable("bias") : OpEmitContext.Empty;
        c.Line($"//   {c.Member}.weight gradient {WeightShape(c)}{(Bias ? $" and .bias gradient [{OpEmitContext.Int(OutChannels)}]" : string.Empty)} = sums over the batch of {c.Input} x im2col({gradient}) {(Bias ? "(skipped while both are frozen; a frozen weight's gradient stays zero)" : "(skipped while frozen)")}");
        c.Line($"if ({trainable})");
        c.Line("{");
        c.Line($"    {OpEmitContext.Kernels}.ConvTranspose2d.BackwardWeight({gradient}, {c.Input}, {c.Gradient("weight")}, {biasGradient}, {c.Field}.Workspace, batch, {Geometry(c)});");
        if (Bias)
        {
            c.ClearWeightGradientWhileFrozen();
        }

        c.Line("}");
        c.Line(string.Empty);
        if (c.InputGradients[0] is { } inputGradient)
        {
            c.Line($"//   {inputGradient} {c.InputShapes[0]} = conv({gradient} {c.OutputShape}, weight)");
            c.Line($"{OpEmitContext.Kernels}.ConvTranspose2d.BackwardData({gradient}, {c.Parameter("weight")}, {inputGradient}, {c.Field}.Workspace, batch, {Geometry(c)});");
        }
        else
        {
            c.Line($"//   no gradient for {c.Input}: nothing before it has parameters (pruned).");
        }
    }

    private string OutputPaddingTuple => $"({OpEmitContext.Int(OutputPaddingHeight)}, {OpEmitContext.Int(OutputPaddingWidth)})";

    private (long Height, long Width) OutputSize(TensorShape input)
        => (Axis(input.Height, Window.KernelHeight, Window.StrideHeight, Window.PaddingHeight, OutputPaddingHeight, Window.DilationHeight),
            Axis(input.Width, Window.KernelWidth, Window.StrideWidth, Window.PaddingWidth, OutputPaddingWidth, Window.DilationWidth));

    private static long Axis(int size, int kernel, int stride, int padding, int outputPadding, int dilation)
        => ((long)(size - 1) * stride) - (2L * padding) + ((long)dilation * (kernel - 1)) + outputPadding + 1;

    private string WeightShape(OpEmitContext c)
        => $"[{OpEmitContext.Int(c.InputShapes[0].Channels)}, {OpEmitContext.Int(OutChannels / Groups)}, {OpEmitContext.Int(Window.KernelHeight)}, {OpEmitContext.Int(Window.KernelWidth)}]";

    /// <summary>The kernels' shape arguments: in-channels, height, width, out-channels, kernel, stride, padding, output padding, dilation (each height, width), groups.</summary>
    private string Geometry(OpEmitContext c)
    {
        TensorShape input = c.InputShapes[0];
        return $"{OpEmitContext.Planes(input)}, {OpEmitContext.Int(OutChannels)}, {Window.KernelArguments(dilation: false)}, "
            + $"{OpEmitContext.Int(OutputPaddingHeight)}, {OpEmitContext.Int(OutputPaddingWidth)}, {Window.DilationArguments}, {OpEmitContext.Int(Groups)}";
    }
}
