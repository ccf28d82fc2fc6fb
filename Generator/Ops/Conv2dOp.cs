using System.Collections.Generic;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// <c>nn.Conv2d(in, out, kernel, stride, padding, dilation, groups, bias)</c> on an image: weight
/// <c>[out, in/groups, kh, kw]</c> and bias <c>[out]</c> drawn from <c>U(-1/sqrt(fan_in), 1/sqrt(fan_in))</c> with
/// <c>fan_in = in/groups · kh · kw</c> (PyTorch's default initialization). The runtime kernel is im2col into the packed GEMM
/// with the bias and an activation applied to the output in the same pass, so the fusion pass may fold a following
/// ReLU, Sigmoid or Tanh into it (<paramref name="Fused"/>); the backward pass then takes the activation's derivative
/// from the output first. The scratch memory lives in the member's runtime object.
/// </summary>
/// <param name="OutChannels">Output channels.</param>
/// <param name="Window">Kernel, stride, zero padding on each side and dilation, along each axis.</param>
/// <param name="SamePadding">Whether the padding is PyTorch's <c>padding='same'</c> (<paramref name="Window"/> holds its symmetric part).</param>
/// <param name="ExtraBottom">
/// With <paramref name="SamePadding"/>, one more zero row below than above (an odd <c>dilation·(kernel - 1)</c>, as PyTorch
/// pads it), else 0: the forward pass pads the input into a saved buffer and convolves that.
/// </param>
/// <param name="ExtraRight">The same for the columns on the right.</param>
/// <param name="Groups">Channel groups.</param>
/// <param name="Bias">Whether the layer has a bias.</param>
/// <param name="PaddingMode">
/// PyTorch's <c>padding_mode</c>: zeros (the kernels pad), or reflection, replication or circular padding, which the
/// forward pass applies into a saved buffer (the padding on both sides and <paramref name="ExtraBottom"/>,
/// <paramref name="ExtraRight"/>) before convolving it without padding, as PyTorch does.
/// </param>
/// <param name="Fused">The activation folded into the output pass, or <see cref="ActivationKind.None"/>.</param>
/// <param name="DerivativeDelegated">
/// Whether the backward pass of the output's only consumer applies <paramref name="Fused"/>'s derivative (max pooling after
/// a ReLU, see <see cref="Op.WithInputDerivative"/>), so this backward pass starts from a gradient that carries it.
/// </param>
/// <param name="GradientFromPool">
/// The max pool, the output's only consumer, from whose backward inputs the weight gradient forms the output gradient
/// sample by sample (<see cref="Op.WithOutputGradientFrom"/>; the input needs no gradient), or null.
/// </param>
internal sealed record Conv2dOp(
    int OutChannels, Window2d Window, bool SamePadding, int ExtraBottom, int ExtraRight, int Groups, bool Bias, PadMode PaddingMode,
    ActivationKind Fused = ActivationKind.None, bool DerivativeDelegated = false,
    MaxPool2dOp? GradientFromPool = null) : Op
{
    /// <summary>
    /// Parses <c>[Conv2d(outChannels, kernelSize)]</c> and <c>[Conv2d(outChannels, kernelHeight, kernelWidth)]</c> with
    /// <c>Stride = 1, Padding = 0, Dilation = 1</c> (each also per axis: <c>StrideHeight</c>, <c>PaddingWidth</c>, ...),
    /// <c>SamePadding = false, Groups = 1, Bias = true, PaddingMode = PaddingMode.Zeros</c>.
    /// </summary>
    public static Op? Parse(AttributeReader r)
    {
        int outChannels = r.Int("outChannels", 0, 0);
        int groups = r.Int("Groups", -1, 1);
        if (outChannels <= 0)
        {
            r.InvalidArgument("outChannels", AttributeReader.Format(outChannels), "a convolution needs at least one output channel");
            return null;
        }

        if (Window2d.Parse(r, kernelPosition: 1, defaultStride: 1, paddingAtMostHalfKernel: false, hasDilation: true) is not { } window)
        {
            return null;
        }

        bool samePadding = r.Bool("SamePadding", -1, false);
        int extraBottom = 0, extraRight = 0;
        if (samePadding)
        {
            foreach (string padding in new[] { "Padding", "PaddingHeight", "PaddingWidth" })
            {
                if (r.IsSet(padding))
                {
                    r.InvalidArgument(padding, AttributeReader.Format(r.Int(padding, -1, 0)), "set either SamePadding or a padding, not both (PyTorch's padding is 'same' or numbers)");
                    return null;
                }
            }

            if (window.WithSamePadding(r) is not { } same)
            {
                return null;
            }

            (window, extraBottom, extraRight) = same;
        }

        if (groups <= 0 || outChannels % groups != 0)
        {
            r.InvalidArgument("Groups", AttributeReader.Format(groups), $"it must be positive and divide the {AttributeReader.Format(outChannels)} output channels");
            return null;
        }

        int mode = r.Int("PaddingMode", -1, 0);
        if (mode is < 0 or > 3)
        {
            r.InvalidArgument("PaddingMode", AttributeReader.Format(mode), "use PaddingMode.Zeros, Reflect, Replicate or Circular");
            return null;
        }

        // PaddingMode's members in order: Zeros, Reflect, Replicate, Circular, as PadMode's.
        return new Conv2dOp(outChannels, window, samePadding, extraBottom, extraRight, groups, r.Bool("Bias", -1, true), (PadMode)mode);
    }

    public override string Name => "Conv2d";

    public override bool TakesFlat => false;

    public override bool TakesImages => true;

    public override bool HasParameters => true;

    /// <inheritdoc />
    public override bool HasWorkspace => true;

    public override string? GeometryProblem(EquatableArray<TensorShape> inputs)
    {
        if (inputs[0].Channels % Groups != 0)
        {
            return $"its {inputs[0].Channels} input channels are not divisible by Groups = {Groups}";
        }

        if (EdgePaddingProblem(inputs[0]) is { } problem)
        {
            return problem;
        }

        return ImageGeometry.WindowProblem(Padded(inputs[0]), ConvWindow);
    }

    /// <summary>
    /// PyTorch's limits on a reflected (below the input's size) or wrapped (at most the size) padding, which it checks when
    /// it pads: "Padding size should be less than the corresponding input dimension", "wrapping around more than once".
    /// </summary>
    private string? EdgePaddingProblem(TensorShape input)
    {
        (int left, int right, int top, int bottom) = PrePad;
        int most = PaddingMode == PadMode.Reflection ? 1 : PaddingMode == PadMode.Circular ? 0 : int.MinValue;
        if (most == int.MinValue || (System.Math.Max(left, right) <= input.Width - most && System.Math.Max(top, bottom) <= input.Height - most))
        {
            return null;
        }

        string verb = PaddingMode == PadMode.Reflection ? "reflects" : "wraps around";
        return $"its padding_mode={ModeText} pads (left, right, top, bottom) = ({OpEmitContext.Int(left)}, {OpEmitContext.Int(right)}, {OpEmitContext.Int(top)}, {OpEmitContext.Int(bottom)}) "
            + $"around the {OpEmitContext.Int(input.Height)} x {OpEmitContext.Int(input.Width)} input, which {verb} at most {OpEmitContext.Long((long)input.Width - most)} columns and {OpEmitContext.Long((long)input.Height - most)} rows on a side";
    }

    public override Op? WithEpilogue(ActivationKind activation)
        => Fused == ActivationKind.None && LinearOp.CanFuse(activation) ? this with { Fused = activation } : null;

    public override ActivationKind DelegableEpilogue => BackwardActivation;

    public override Op WithEpilogueDerivativeDelegated() => this with { DerivativeDelegated = true };

    /// <summary>
    /// From a max pool, when no activation derivative is left to apply here (none, or the pool applies the ReLU's):
    /// <c>Conv2d.BackwardWeightFromMaxPool</c> builds each sample's output gradient as the pool's backward pass would.
    /// </summary>
    public override Op? WithOutputGradientFrom(Op consumer)
        => consumer is MaxPool2dOp pool && BackwardActivation == ActivationKind.None && GradientFromPool is null ? this with { GradientFromPool = pool } : null;

    public override bool ReadsConsumerBackward => GradientFromPool is not null;

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs)
        => ImageGeometry.Output(Padded(inputs[0]), OutChannels, ConvWindow);

    public override IEnumerable<ParameterDecl> Parameters(EquatableArray<TensorShape> inputs)
    {
        int perGroup = inputs[0].Channels / Groups;
        int fanIn = perGroup * Window.KernelHeight * Window.KernelWidth;
        yield return new ParameterDecl("weight", new[] { OutChannels, perGroup, Window.KernelHeight, Window.KernelWidth }.ToEquatableArray(), fanIn, 0f);
        if (Bias)
        {
            yield return new ParameterDecl("bias", new[] { OutChannels }.ToEquatableArray(), fanIn, 0f);
        }
    }

    public override bool BackwardReadsInputs => true;

    public override bool BackwardReadsOutput => BackwardActivation != ActivationKind.None;

    /// <summary>The activation whose derivative the backward pass applies: the fused one unless the next op's backward pass does.</summary>
    private ActivationKind BackwardActivation => DerivativeDelegated ? ActivationKind.None : Fused;

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output)
        => $"Conv2d({OpEmitContext.Int(inputs[0].Channels)}, {OpEmitContext.Int(OutChannels)}, {Window.Options(defaultStrideIsKernel: false, SamePadding ? "same" : null)}"
            + (Groups == 1 ? string.Empty : $", groups={OpEmitContext.Int(Groups)}")
            + (Bias ? string.Empty : ", bias=False")
            + (PaddingMode == PadMode.Zero ? string.Empty : $", padding_mode={ModeText}") + ")"
            + (Fused == ActivationKind.None ? string.Empty : ", " + Fused);

    public override string Construct(string parameterSet, IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => $"new global::StaticGrad.Conv2d({parameterSet}, {tensors[0]}, {(Bias ? tensors[1] : "null")}, "
            + $"{OpEmitContext.Int(inputs[0].Channels)}, {OpEmitContext.Int(inputs[0].Height)}, {OpEmitContext.Int(inputs[0].Width)}, "
            + $"{Window.LayerArguments()}, {OpEmitContext.Int(Groups)}{(SamePadding ? ", samePadding: true" : string.Empty)}"
            + $"{(PaddingMode == PadMode.Zero ? string.Empty : $", paddingMode: global::StaticGrad.PaddingMode.{RuntimeMode}")})";

    public override string OnnxExpression(OnnxEmitContext c)
    {
        // Zeros: the Conv pads (the odd row and column of padding='same' as its end padding); else a Pad node first.
        string input = PaddingMode == PadMode.Zero || !IsPrePadded ? c.Input : OnnxEmitContext.Call($"{PaddingMode}Pad", c.Input, PrePadArguments);
        string endPadding = PaddingMode == PadMode.Zero && IsPrePadded ? $", endPadding: ({OpEmitContext.Int(ExtraBottom)}, {OpEmitContext.Int(ExtraRight)})" : string.Empty;
        return OnnxEmitContext.Activated(
            OnnxEmitContext.Call("Conv", input, c.Name("weight"), c.NameOrNull("bias"), ConvWindow.TupleArguments(), OpEmitContext.Int(Groups) + endPadding),
            Fused);
    }

    public override void EmitForward(OpEmitContext c, bool training)
    {
        string input = ConvolvedInput(c);
        if (IsPrePadded)
        {
            c.Line($"// {input} {PaddedShape(c)} = {c.Input} {c.InputShapes[0]} with {PrePadText}");
            c.Line($"{OpEmitContext.Kernels}.{PadKernel}.Forward({c.Input}, {input}, batch, {OpEmitContext.Planes(c.InputShapes[0])}, {PrePadArguments});");
        }

        string expression = $"conv({input} {(IsPrePadded ? PaddedShape(c) : c.InputShapes[0].ToString())}, weight {WeightShape(c)}){(Bias ? " + bias" : string.Empty)}";
        c.Line($"// {c.Output} {c.OutputShape} = {(Fused == ActivationKind.None ? expression : $"{Fused}({expression})")}");
        string bias = Bias ? c.Parameter("bias") : OpEmitContext.Empty;
        // Inference may run on several threads at once: each takes its own thread's scratch memory, not the layer's.
        string workspace = training ? "Workspace" : "InferenceWorkspace";
        c.Line($"{OpEmitContext.Kernels}.Conv2d.Forward({input}, {c.Parameter("weight")}, {bias}, {c.Output}, {c.Field}.{workspace}, batch, {Geometry(c)}, {OpEmitContext.Kernels}.Activation.{Fused});");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        string gradient = c.OutputGradient;
        if (DerivativeDelegated)
        {
            // With GradientFromPool the weight gradient's own comment says where the derivative is applied.
            if (GradientFromPool is null)
            {
                c.Line($"//   {gradient} already carries {Fused}'({c.Output}): the next op's backward pass applied it");
                c.Line(string.Empty);
            }
        }
        else if (Fused != ActivationKind.None)
        {
            c.Line($"//   {gradient} *= {Fused}'({c.Output}) in place");
            c.Line($"{OpEmitContext.Kernels}.ActivationBackward.Apply({gradient}, {c.Output}, batch * {OpEmitContext.Int(c.OutputFeatures)}, {OpEmitContext.Kernels}.Activation.{Fused});");
            c.Line(string.Empty);
        }

        // One kernel pass gives both parameter gradients; it runs while either trains.
        string trainable = Bias ? $"{c.Trainable("weight")} || {c.Trainable("bias")}" : c.Trainable("weight");
        string biasGradient = Bias ? c.GradientIfTrainable("bias") : OpEmitContext.Empty;
        c.Line($"//   {c.Member}.weight gradient {WeightShape(c)}{(Bias ? $" and .bias gradient [{OpEmitContext.Int(OutChannels)}]" : string.Empty)} = sums over the batch of {gradient} x im2col({ConvolvedInput(c)}) {(Bias ? "(skipped while both are frozen; a frozen weight's gradient stays zero)" : "(skipped while frozen)")}");
        if (GradientFromPool is { } pool)
        {
            // The pool's backward pass wrote nothing: the kernel forms the gradient from the pool's backward inputs.
            string maxima = pool.InputDerivative == ActivationKind.None ? OpEmitContext.Empty : c.Consumer.Output;
            c.Line($"//   with {gradient} {c.OutputShape} formed sample by sample from {c.Consumer.OutputGradient}{(pool.InputDerivative == ActivationKind.None ? string.Empty : $" where {c.Consumer.Output} is positive")}, at the kept positions");
            c.Line($"//   (as the pool's backward pass would write it; {gradient} is scratch for the shapes that run the two passes)");
            c.Line($"if ({trainable})");
            c.Line("{");
            c.Line($"    {OpEmitContext.Kernels}.Conv2d.BackwardWeightFromMaxPool({c.Consumer.OutputGradient}, {maxima}, {MaxPool2dOp.IndicesOf(c.ConsumerSaved("Indices"))}, {gradient}, {ConvolvedInput(c)}, {c.Gradient("weight")}, {biasGradient}, {c.Field}.Workspace, batch, {Geometry(c)}, {pool.WindowArguments}{pool.CeilModeArgument("poolCeilMode")});");
            if (Bias)
            {
                c.ClearWeightGradientWhileFrozen();
            }

            c.Line("}");
        }
        else
        {
            c.Line($"if ({trainable})");
            c.Line("{");
            c.Line($"    {OpEmitContext.Kernels}.Conv2d.BackwardWeight({gradient}, {ConvolvedInput(c)}, {c.Gradient("weight")}, {biasGradient}, {c.Field}.Workspace, batch, {Geometry(c)});");
            if (Bias)
            {
                c.ClearWeightGradientWhileFrozen();
            }

            c.Line("}");
        }

        c.Line(string.Empty);
        if (c.InputGradients[0] is { } inputGradient && IsPrePadded)
        {
            // The padded copy is not read again: it takes the padded input's gradient, whose extra row and column are dropped.
            string padded = ConvolvedInput(c);
            string less = PaddingMode == PadMode.Zero ? $"it less {PrePadText}" : $"it with each padded value's gradient added to the value it copied ({PrePadText})";
            c.Line($"//   {padded} {PaddedShape(c)} = transposed conv({gradient} {c.OutputShape}, weight), then {inputGradient} {c.InputShapes[0]} = {less}");
            c.Line($"{OpEmitContext.Kernels}.Conv2d.BackwardData({gradient}, {c.Parameter("weight")}, {padded}, {c.Field}.Workspace, batch, {Geometry(c)});");
            c.Line($"{OpEmitContext.Kernels}.{PadKernel}.Backward({padded}, {inputGradient}, batch, {OpEmitContext.Planes(c.InputShapes[0])}, {PrePadArguments});");
        }
        else if (c.InputGradients[0] is { } unpaddedGradient)
        {
            c.Line($"//   {unpaddedGradient} {c.InputShapes[0]} = transposed conv({gradient} {c.OutputShape}, weight)");
            c.Line($"{OpEmitContext.Kernels}.Conv2d.BackwardData({gradient}, {c.Parameter("weight")}, {unpaddedGradient}, {c.Field}.Workspace, batch, {Geometry(c)});");
        }
        else
        {
            c.Line($"//   no gradient for {c.Input}: nothing before it has parameters (pruned).");
        }
    }

    private string WeightShape(OpEmitContext c)
        => $"[{OpEmitContext.Int(OutChannels)}, {OpEmitContext.Int(c.InputShapes[0].Channels / Groups)}, {OpEmitContext.Int(Window.KernelHeight)}, {OpEmitContext.Int(Window.KernelWidth)}]";

    /// <summary>
    /// The padding the forward pass applies into a saved buffer before convolving, (left, right, top, bottom): with zeros
    /// only padding='same''s odd row and column (the kernels pad the rest), else all of it.
    /// </summary>
    private (int Left, int Right, int Top, int Bottom) PrePad => PaddingMode == PadMode.Zero
        ? (0, ExtraRight, 0, ExtraBottom)
        : (Window.PaddingWidth, Window.PaddingWidth + ExtraRight, Window.PaddingHeight, Window.PaddingHeight + ExtraBottom);

    /// <summary>Whether the forward pass pads the input into a saved buffer first.</summary>
    private bool IsPrePadded => PrePad != (0, 0, 0, 0);

    /// <summary>The window the kernels convolve the (padded copy of the) input with: without padding unless zeros.</summary>
    private Window2d ConvWindow => PaddingMode == PadMode.Zero ? Window : Window with { PaddingHeight = 0, PaddingWidth = 0 };

    /// <summary>The kernel that pads the saved buffer.</summary>
    private string PadKernel => PaddingMode == PadMode.Zero ? "ZeroPad2d" : $"{PaddingMode}Pad2d";

    private string PrePadArguments => $"{OpEmitContext.Int(PrePad.Left)}, {OpEmitContext.Int(PrePad.Right)}, {OpEmitContext.Int(PrePad.Top)}, {OpEmitContext.Int(PrePad.Bottom)}";

    /// <summary>PyTorch's name of the padding mode (<c>reflect</c>).</summary>
    private string ModeText => PaddingMode switch { PadMode.Reflection => "reflect", PadMode.Replication => "replicate", PadMode.Circular => "circular", _ => "zeros" };

    /// <summary>The runtime <c>PaddingMode</c> member.</summary>
    private string RuntimeMode => PaddingMode switch { PadMode.Reflection => "Reflect", PadMode.Replication => "Replicate", PadMode.Circular => "Circular", _ => "Zeros" };

    private string PrePadText
        => PaddingMode != PadMode.Zero ? $"padding_mode={ModeText} padding (left, right, top, bottom) = ({PrePadArguments}), then convolved without padding"
            : ExtraBottom != 0 && ExtraRight != 0 ? "one more zero row below and column on the right (padding='same' puts the odd one there)"
            : ExtraBottom != 0 ? "one more zero row below (padding='same' puts the odd one there)" : "one more zero column on the right (padding='same' puts the odd one there)";

    public override IEnumerable<SavedDecl> Saved(EquatableArray<TensorShape> inputs, TensorShape output)
    {
        if (IsPrePadded)
        {
            TensorShape padded = Padded(inputs[0]);
            yield return new SavedDecl("PaddedInput", padded.Features, $"the input with {PrePadText}, then its gradient", ForwardNeedsIt: true);
        }
    }

    /// <summary>The image the kernels convolve: the input, with the padding the forward pass applies first (<see cref="PrePad"/>).</summary>
    private TensorShape Padded(TensorShape input) => TensorShape.Image(input.Channels, input.Height + PrePad.Top + PrePad.Bottom, input.Width + PrePad.Left + PrePad.Right);

    private string ConvolvedInput(OpEmitContext c) => IsPrePadded ? c.Saved("PaddedInput") : c.Input;

    private string PaddedShape(OpEmitContext c) => Padded(c.InputShapes[0]).ToString();

    /// <summary>The kernels' shape arguments: in-channels, height, width (of the padded copy, if any), out-channels, then each window option (height, width), then groups.</summary>
    private string Geometry(OpEmitContext c)
    {
        TensorShape input = Padded(c.InputShapes[0]);
        return $"{OpEmitContext.Int(input.Channels)}, {OpEmitContext.Int(input.Height)}, {OpEmitContext.Int(input.Width)}, {OpEmitContext.Int(OutChannels)}, "
            + $"{ConvWindow.KernelArguments()}, {OpEmitContext.Int(Groups)}";
    }
}
