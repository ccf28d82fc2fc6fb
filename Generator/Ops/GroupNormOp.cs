using System.Collections.Generic;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// <c>nn.GroupNorm(groups, channels, eps, affine)</c> over images or flat features: each sample's channels in
/// <paramref name="NumGroups"/> groups, each normalized by its own statistics, then a per-channel <c>weight</c>
/// (initialized to 1) and <c>bias</c> (0); and <c>nn.InstanceNorm2d(channels, eps, momentum, affine, track_running_stats)</c>
/// (<paramref name="Instance"/>), the same with one group per channel, over images of more than one pixel. Without running
/// statistics training and eval mode compute the same; an instance norm with <paramref name="TrackRunningStats"/> also
/// updates them in training and normalizes with them in eval mode (as a batch norm's eval mode does). The training
/// pass keeps each group's mean and reciprocal standard deviation; the backward pass reads the input and writes the input
/// gradient in place. The fusion pass may fold a following ReLU, Sigmoid or Tanh into its output pass (<paramref name="Fused"/>).
/// </summary>
/// <param name="NumGroups">The groups of channels; 0 for an instance norm (one per channel).</param>
/// <param name="Eps">Added to the variance.</param>
/// <param name="Affine">Whether the op has <c>weight</c> and <c>bias</c>.</param>
/// <param name="Instance">Whether this is <c>nn.InstanceNorm2d</c>: each channel its own group.</param>
/// <param name="Fused">The activation folded into the output pass, or <see cref="ActivationKind.None"/>.</param>
/// <param name="TrackRunningStats">Whether an instance norm keeps running statistics (<c>track_running_stats=True</c>).</param>
/// <param name="Momentum">The running statistics' update factor.</param>
internal sealed record GroupNormOp(
    int NumGroups, float Eps, bool Affine, bool Instance = false, ActivationKind Fused = ActivationKind.None, bool TrackRunningStats = false, float Momentum = 0.1f) : Op
{
    /// <summary>Parses <c>[GroupNorm(numGroups, Eps = 1e-5f, Affine = true)]</c>.</summary>
    public static Op? Parse(AttributeReader r)
    {
        int groups = r.Int("numGroups", 0, 0);
        if (groups <= 0)
        {
            r.InvalidArgument("numGroups", OpEmitContext.Int(groups), "it must be positive");
            return null;
        }

        return ParseEps(r) is { } eps ? new GroupNormOp(groups, eps, r.Bool("Affine", -1, true)) : null;
    }

    /// <summary>Parses <c>[InstanceNorm2d(Eps = 1e-5f, Affine = false, TrackRunningStats = false, Momentum = 0.1f)]</c> (PyTorch's defaults).</summary>
    public static Op? ParseInstance(AttributeReader r)
    {
        float momentum = r.Float("Momentum", -1, 0.1f);
        if (!(momentum >= 0f && momentum <= 1f))
        {
            r.InvalidArgument("Momentum", AttributeReader.Format(momentum), "it must be between 0 and 1");
            return null;
        }

        return ParseEps(r) is { } eps
            ? new GroupNormOp(0, eps, r.Bool("Affine", -1, false), Instance: true, TrackRunningStats: r.Bool("TrackRunningStats", -1, false), Momentum: momentum)
            : null;
    }

    private static float? ParseEps(AttributeReader r)
    {
        float eps = r.Float("Eps", -1, 1e-5f);
        if (!(eps > 0f) || float.IsInfinity(eps))
        {
            r.InvalidArgument("Eps", AttributeReader.Format(eps), "it must be finite and positive");
            return null;
        }

        return eps;
    }

    public override string Name => Instance ? "InstanceNorm2d" : "GroupNorm";

    public override bool TakesFlat => !Instance;

    public override bool TakesImages => true;

    public override string? GeometryProblem(EquatableArray<TensorShape> inputs)
    {
        if (Instance)
        {
            // PyTorch refuses it too: one value per channel normalizes to zero whatever it is.
            return inputs[0].Height * inputs[0].Width > 1
                ? null
                : $"an instance norm needs more than one value per channel, and its input is {OpEmitContext.Int(inputs[0].Height)} x {OpEmitContext.Int(inputs[0].Width)}";
        }

        return inputs[0].Channels % NumGroups == 0
            ? null
            : $"its {OpEmitContext.Int(inputs[0].Channels)} channels are not divisible by numGroups = {OpEmitContext.Int(NumGroups)}";
    }

    /// <summary>The groups the kernels normalize: <see cref="NumGroups"/>, or the channels of an instance norm.</summary>
    private int Groups(TensorShape input) => Instance ? input.Channels : NumGroups;

    public override Op? WithEpilogue(ActivationKind activation)
        => Fused == ActivationKind.None && LinearOp.CanFuse(activation) ? this with { Fused = activation } : null;

    public override bool BackwardReadsOutput => Fused != ActivationKind.None;

    public override IEnumerable<BufferDecl> Buffers(EquatableArray<TensorShape> inputs)
    {
        if (TrackRunningStats)
        {
            yield return new BufferDecl("running_mean", new[] { inputs[0].Channels }.ToEquatableArray(), false, 0f);
            yield return new BufferDecl("running_var", new[] { inputs[0].Channels }.ToEquatableArray(), false, 1f);
            yield return new BufferDecl("num_batches_tracked", EquatableArray<int>.Empty, true, 0f);
        }
    }

    public override bool DependsOnMode => TrackRunningStats;

    public override bool HasParameters => Affine;

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs) => inputs[0];

    public override IEnumerable<ParameterDecl> Parameters(EquatableArray<TensorShape> inputs)
        => Affine ? ParameterDecl.NormAffine(inputs[0].Channels) : System.Array.Empty<ParameterDecl>();

    public override IEnumerable<SavedDecl> Saved(EquatableArray<TensorShape> inputs, TensorShape output)
    {
        yield return new SavedDecl("Mean", Groups(inputs[0]), $"{(Instance ? "instance" : "group")} norm means, one per group");
        yield return new SavedDecl("Rstd", Groups(inputs[0]), $"{(Instance ? "instance" : "group")} norm 1/sqrt(var + eps), one per group");
    }

    public override bool BackwardReadsInputs => true;

    public override bool GradientInPlace => true;

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output)
        => (Instance
                ? $"InstanceNorm2d({OpEmitContext.Int(inputs[0].Channels)}, eps={OpEmitContext.Number(Eps)}{(TrackRunningStats ? $", momentum={OpEmitContext.Number(Momentum)}" : string.Empty)}{(Affine ? ", affine=True" : string.Empty)}{(TrackRunningStats ? ", track_running_stats=True" : string.Empty)})"
                : $"GroupNorm({OpEmitContext.Int(NumGroups)}, {OpEmitContext.Int(inputs[0].Channels)}, eps={OpEmitContext.Number(Eps)}{(Affine ? string.Empty : ", affine=False")})")
            + (Fused == ActivationKind.None ? string.Empty : ", " + Fused);

    public override string Construct(string parameterSet, IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => $"new global::StaticGrad.{Name}({parameterSet}, {(Instance ? string.Empty : OpEmitContext.Int(NumGroups) + ", ")}{OpEmitContext.Int(inputs[0].Channels)}, {OpEmitContext.Float(Eps)}, "
            + (Affine ? $"{tensors[0]}, {tensors[1]}" : "null, null")
            + (TrackRunningStats ? $", momentum: {OpEmitContext.Float(Momentum)}, trackRunningStats: true)" : ")");

    /// <summary>Eval mode: an instance norm with running statistics normalizes with them, as a batch norm's eval mode.</summary>
    public override string OnnxExpression(OnnxEmitContext c)
        => OnnxEmitContext.Activated(
            TrackRunningStats
                ? OnnxEmitContext.Call("BatchNormalization", c.Input, OpEmitContext.Int(c.OutputShape.Channels), c.NameOrNull("weight"), c.NameOrNull("bias"), c.Name("running_mean"), c.Name("running_var"), OpEmitContext.Float(Eps))
                : OnnxEmitContext.Call(
                    "GroupNormalization", c.Input, $"new[] {{ {OnnxEmitContext.Dimensions(c.OutputShape)} }}", OpEmitContext.Int(Groups(c.OutputShape)), c.NameOrNull("weight"), c.NameOrNull("bias"), OpEmitContext.Float(Eps)),
            Fused);

    public override void EmitForward(OpEmitContext c, bool training)
    {
        if (TrackRunningStats && !training)
        {
            string affine = Affine ? " * weight[c] + bias[c]" : string.Empty;
            string running = $"(x - running_mean) / sqrt(running_var + eps){affine}";
            c.Line($"// {c.Output} {c.OutputShape} = {(Fused == ActivationKind.None ? running : $"{Fused}({running})")} per channel of {c.Input} (eval mode: the running statistics)");
            c.Line($"{OpEmitContext.Kernels}.BatchNorm.ForwardInference({c.Input}, {Weight(c)}, {Bias(c)}, {c.Output}, {c.Buffer("running_mean")}, {c.Buffer("running_var")}, batch, {OpEmitContext.Int(c.OutputShape.Channels)}, {OpEmitContext.Int(c.OutputShape.Plane)}, {OpEmitContext.Float(Eps)}{Epilogue()});");
            return;
        }

        string mean = training ? c.Saved("Mean") : OpEmitContext.Empty;
        string rstd = training ? c.Saved("Rstd") : OpEmitContext.Empty;
        string normalized = $"(x - mean) / sqrt(var + eps){(Affine ? " * weight[c] + bias[c]" : string.Empty)}";
        c.Line($"// {c.Output} {c.OutputShape} = {(Fused == ActivationKind.None ? normalized : $"{Fused}({normalized})")}, {(Instance ? "per channel" : $"per group of {OpEmitContext.Int(c.OutputShape.Channels / NumGroups)} channels")} of {c.Input}");
        c.Line($"{OpEmitContext.Kernels}.GroupNorm.Forward({c.Input}, {Weight(c)}, {Bias(c)}, {c.Output}, {mean}, {rstd}, batch, {Sizes(c)}, {OpEmitContext.Float(Eps)}{Epilogue()});");
        if (TrackRunningStats)
        {
            c.Line($"// running_mean, running_var [{OpEmitContext.Int(c.OutputShape.Channels)}] moved to each sample's statistics by momentum {OpEmitContext.Number(Momentum)}, then averaged over the batch");
            c.Line($"{OpEmitContext.Kernels}.GroupNorm.UpdateRunningStatistics({c.Input}, {c.Buffer("running_mean")}, {c.Buffer("running_var")}, batch, {OpEmitContext.Int(c.OutputShape.Channels)}, {OpEmitContext.Int(c.OutputShape.Plane)}, {OpEmitContext.Float(Momentum)});");
        }
    }

    public override void EmitBackward(OpEmitContext c)
    {
        string weightGradient = Affine ? c.GradientIfTrainable("weight") : OpEmitContext.Empty;
        string biasGradient = Affine ? c.GradientIfTrainable("bias") : OpEmitContext.Empty;
        string activation = Fused == ActivationKind.None ? string.Empty : $"{c.OutputGradient} *= {Fused}'({c.Output}), then ";
        c.Line($"//   {activation}{c.OutputGradient} becomes the gradient of {c.Input} in place{(Affine ? $"; {c.Member}.weight and .bias gradients [{OpEmitContext.Int(c.OutputShape.Channels)}]" : string.Empty)}");
        string output = Fused == ActivationKind.None ? string.Empty : $", {c.Output}{Epilogue()}";
        c.Line($"{OpEmitContext.Kernels}.GroupNorm.Backward({c.OutputGradient}, {c.Input}, {c.Saved("Mean")}, {c.Saved("Rstd")}, {Weight(c)}, {weightGradient}, {biasGradient}, batch, {Sizes(c)}{output});");
        OpEmitContext.CopyGradient(c, c.OutputGradient, $"batch * {OpEmitContext.Int(c.OutputFeatures)}");
    }

    /// <summary>The kernels' channels, groups and plane (1 for flat features).</summary>
    private string Sizes(OpEmitContext c)
        => $"{OpEmitContext.Int(c.OutputShape.Channels)}, {OpEmitContext.Int(Groups(c.OutputShape))}, {OpEmitContext.Int(c.OutputFeatures / c.OutputShape.Channels)}";

    private string Epilogue() => Fused == ActivationKind.None ? string.Empty : $", {OpEmitContext.Kernels}.Activation.{Fused}";

    private string Weight(OpEmitContext c) => Affine ? c.Parameter("weight") : OpEmitContext.Empty;

    private string Bias(OpEmitContext c) => Affine ? c.Parameter("bias") : OpEmitContext.Empty;
}
