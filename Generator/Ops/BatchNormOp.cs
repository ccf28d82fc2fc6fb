using System.Collections.Generic;
using System.Linq;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// <c>nn.BatchNorm1d(features, eps, momentum, affine, track_running_stats)</c> on <c>[B, F]</c>, or <c>nn.BatchNorm2d</c> on
/// <c>[B, C, H, W]</c> (<paramref name="Spatial"/>, statistics over the batch and every pixel of a channel): each feature
/// (channel) normalized with the batch's mean and biased variance in training mode (which also updates <c>running_mean</c>, <c>running_var</c> with the
/// unbiased variance, and <c>num_batches_tracked</c>), with the running statistics in eval mode. The batch statistics
/// live in the member's runtime object (one training pass at a time per model), so the arena holds nothing extra; the
/// backward pass reads the input and writes the input gradient in place. Training mode needs two samples or more. The
/// fusion pass may fold a following ReLU, Sigmoid or Tanh into its output pass (<paramref name="Fused"/>).
/// </summary>
/// <param name="Eps">Added to the variance.</param>
/// <param name="Momentum">The running statistics' update factor, or NaN for a cumulative average (PyTorch's <c>momentum=None</c>).</param>
/// <param name="Affine">Whether the op has <c>weight</c> and <c>bias</c>.</param>
/// <param name="TrackRunningStats">Whether the op keeps running statistics and uses them in eval mode.</param>
/// <param name="Fused">The activation folded into the output pass, or <see cref="ActivationKind.None"/>.</param>
/// <param name="Spatial">Whether it is <c>BatchNorm2d</c> over the channels of an image.</param>
/// <param name="DerivativeDelegated">
/// Whether the backward pass of the output's only consumer applies <paramref name="Fused"/>'s derivative (a max pool after a
/// ReLU, see <see cref="Op.WithInputDerivative"/>), so this backward pass starts from a gradient that carries it.
/// </param>
internal sealed record BatchNormOp(
    float Eps, float Momentum, bool Affine, bool TrackRunningStats, ActivationKind Fused = ActivationKind.None, bool Spatial = false, bool DerivativeDelegated = false) : Op
{
    /// <summary>Parses <c>[BatchNorm1d(Eps = 1e-5f, Momentum = 0.1f, CumulativeAverage = false, Affine = true, TrackRunningStats = true)]</c>.</summary>
    public static Op? Parse(AttributeReader r) => Parse(r, spatial: false);

    /// <summary>Parses <c>[BatchNorm2d(...)]</c>, with the options of <c>BatchNorm1d</c>.</summary>
    public static Op? Parse2d(AttributeReader r) => Parse(r, spatial: true);

    private static Op? Parse(AttributeReader r, bool spatial)
    {
        float eps = r.Float("Eps", -1, 1e-5f);
        if (!(eps > 0f) || float.IsInfinity(eps))
        {
            r.InvalidArgument("Eps", AttributeReader.Format(eps), "it must be finite and positive");
            return null;
        }

        float momentum = r.Float("Momentum", -1, 0.1f);
        if (!(momentum >= 0f && momentum <= 1f))
        {
            r.InvalidArgument("Momentum", AttributeReader.Format(momentum), "it must be between 0 and 1 (CumulativeAverage = true is PyTorch's momentum=None)");
            return null;
        }

        bool cumulative = r.Bool("CumulativeAverage", -1, false);
        if (cumulative && r.IsSet("Momentum"))
        {
            // PyTorch has one argument for both (momentum=None is the cumulative average): a momentum beside it was dropped.
            r.InvalidArgument("Momentum", AttributeReader.Format(momentum), "CumulativeAverage = true (PyTorch's momentum=None) takes no momentum; remove one of them");
            return null;
        }

        return new BatchNormOp(eps, cumulative ? float.NaN : momentum, r.Bool("Affine", -1, true), r.Bool("TrackRunningStats", -1, true), Spatial: spatial);
    }

    public override string Name => Spatial ? "BatchNorm2d" : "BatchNorm1d";

    public override bool TakesFlat => !Spatial;

    public override bool TakesImages => Spatial;

    public override Op? WithEpilogue(ActivationKind activation)
        => Fused == ActivationKind.None && LinearOp.CanFuse(activation) ? this with { Fused = activation } : null;

    public override ActivationKind DelegableEpilogue => BackwardActivation;

    public override Op WithEpilogueDerivativeDelegated() => this with { DerivativeDelegated = true };

    public override bool BackwardReadsOutput => BackwardActivation != ActivationKind.None;

    public override bool HasParameters => Affine;

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs) => inputs[0];

    public override IEnumerable<ParameterDecl> Parameters(EquatableArray<TensorShape> inputs)
        => Affine ? ParameterDecl.NormAffine(inputs[0].Channels) : System.Array.Empty<ParameterDecl>();

    public override IEnumerable<BufferDecl> Buffers(EquatableArray<TensorShape> inputs)
    {
        if (TrackRunningStats)
        {
            yield return new BufferDecl("running_mean", new[] { inputs[0].Channels }.ToEquatableArray(), false, 0f);
            yield return new BufferDecl("running_var", new[] { inputs[0].Channels }.ToEquatableArray(), false, 1f);
            yield return new BufferDecl("num_batches_tracked", EquatableArray<int>.Empty, true, 0f);
        }
    }

    /// <summary>PyTorch needs more than one value per channel: two samples, or one image with two pixels or more.</summary>
    public override int MinimumTrainingBatch(EquatableArray<TensorShape> inputs) => Spatial && inputs[0].Plane > 1 ? 1 : 2;

    /// <summary>Without running statistics eval mode normalizes with the batch's too, and PyTorch refuses a batch of one.</summary>
    public override int MinimumInferenceBatch(EquatableArray<TensorShape> inputs) => TrackRunningStats ? 1 : MinimumTrainingBatch(inputs);

    public override bool DependsOnMode => TrackRunningStats;

    public override bool BackwardReadsInputs => true;

    public override bool RunsInPlace => true;

    public override bool GradientInPlace => true;

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output)
    {
        string momentum = float.IsNaN(Momentum) ? "None" : OpEmitContext.Number(Momentum);
        return $"{Name}({OpEmitContext.Int(inputs[0].Channels)}, eps={OpEmitContext.Number(Eps)}, momentum={momentum}"
            + (Affine ? string.Empty : ", affine=False") + (TrackRunningStats ? string.Empty : ", track_running_stats=False") + ")"
            + (Fused == ActivationKind.None ? string.Empty : ", " + Fused);
    }

    public override string Construct(string parameterSet, IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
    {
        var arguments = new List<string> { parameterSet, OpEmitContext.Int(inputs[0].Channels), OpEmitContext.Float(Eps), OpEmitContext.Float(Momentum) };
        int next = 0;
        arguments.AddRange(Affine ? new[] { tensors[next++], tensors[next++] } : new[] { "null", "null" });
        arguments.AddRange(TrackRunningStats ? new[] { tensors[next++], tensors[next++], tensors[next++] } : new[] { "null", "null", "null" });
        return $"new global::StaticGrad.{Name}({string.Join(", ", arguments)})";
    }

    /// <summary>Eval mode: the running statistics, or the batch's when the layer keeps none (as PyTorch's eval mode then does).</summary>
    public override string OnnxExpression(OnnxEmitContext c)
        => OnnxEmitContext.Activated(
            TrackRunningStats
                ? OnnxEmitContext.Call("BatchNormalization", c.Input, OpEmitContext.Int(c.OutputShape.Channels), c.NameOrNull("weight"), c.NameOrNull("bias"), c.Name("running_mean"), c.Name("running_var"), OpEmitContext.Float(Eps))
                : OnnxEmitContext.Call("BatchNormalizationWithBatchStatistics", c.Input, c.OutputShape.IsImage ? "4" : "2", c.NameOrNull("weight"), c.NameOrNull("bias"), OpEmitContext.Float(Eps)),
            Fused);

    public override void EmitForward(OpEmitContext c, bool training)
    {
        string features = Features(c);
        string affine = Affine ? " * weight + bias" : string.Empty;
        string open = Fused == ActivationKind.None ? string.Empty : $"{Fused}(";
        string close = Fused == ActivationKind.None ? string.Empty : ")";
        if (training)
        {
            c.Line($"// {c.Output} {c.OutputShape} = {open}(x - batch mean) / sqrt(batch var + eps){affine}{close} per {Unit} of {c.Input}{(TrackRunningStats ? "; running statistics updated" : string.Empty)}");
            c.Line($"{OpEmitContext.Kernels}.BatchNorm.ForwardTraining({c.Input}, {Weight(c)}, {Bias(c)}, {c.Output}, {c.Field}.BatchMean, {c.Field}.BatchInverseStd, {Buffer(c, "running_mean")}, {Buffer(c, "running_var")}, {Counter(c)}, batch, {features}, {OpEmitContext.Float(Eps)}, {OpEmitContext.Float(Momentum)}{Epilogue()});");
            return;
        }

        c.Line(TrackRunningStats
            ? $"// {c.Output} {c.OutputShape} = {open}(x - running_mean) / sqrt(running_var + eps){affine}{close} per {Unit} of {c.Input}"
            : $"// {c.Output} {c.OutputShape} = {open}(x - batch mean) / sqrt(batch var + eps){affine}{close} per {Unit} of {c.Input} (no running statistics)");
        c.Line($"{OpEmitContext.Kernels}.BatchNorm.ForwardInference({c.Input}, {Weight(c)}, {Bias(c)}, {c.Output}, {Buffer(c, "running_mean")}, {Buffer(c, "running_var")}, batch, {features}, {OpEmitContext.Float(Eps)}{Epilogue()});");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        string weightGradient = Affine ? c.GradientIfTrainable("weight") : OpEmitContext.Empty;
        string biasGradient = Affine ? c.GradientIfTrainable("bias") : OpEmitContext.Empty;
        ActivationKind applied = BackwardActivation;
        string activation = applied != ActivationKind.None ? $"{c.OutputGradient} *= {Fused}'({c.Output}), then "
            : DerivativeDelegated ? $"{c.OutputGradient} already carries {Fused}'({c.Output}) (the next op's backward pass applied it); " : string.Empty;
        c.Line($"//   {activation}{c.OutputGradient} becomes the gradient of {c.Input} in place{(Affine ? $"; {c.Member}.weight and .bias gradients [{OpEmitContext.Int(c.OutputShape.Channels)}]" : string.Empty)}");
        string output = applied == ActivationKind.None ? string.Empty : $", {c.Output}{Epilogue()}";
        c.Line($"{OpEmitContext.Kernels}.BatchNorm.Backward({c.OutputGradient}, {c.Input}, {c.Field}.BatchMean, {c.Field}.BatchInverseStd, {Weight(c)}, {weightGradient}, {biasGradient}, batch, {Features(c)}{output});");
        OpEmitContext.CopyGradient(c, c.OutputGradient, $"batch * {OpEmitContext.Int(c.OutputFeatures)}");
    }

    /// <summary>The activation whose derivative the backward pass applies: the fused one unless the next op's backward pass does.</summary>
    private ActivationKind BackwardActivation => DerivativeDelegated ? ActivationKind.None : Fused;

    private string Unit => Spatial ? "channel" : "feature";

    /// <summary>The kernels' <c>channels, inner</c> arguments: features and 1, or channels and pixels per channel.</summary>
    private static string Features(OpEmitContext c) => $"{OpEmitContext.Int(c.OutputShape.Channels)}, {OpEmitContext.Int(c.OutputShape.Plane)}";

    private string Epilogue() => Fused == ActivationKind.None ? string.Empty : $", {OpEmitContext.Kernels}.Activation.{Fused}";

    private string Weight(OpEmitContext c) => Affine ? c.Parameter("weight") : OpEmitContext.Empty;

    private string Bias(OpEmitContext c) => Affine ? c.Parameter("bias") : OpEmitContext.Empty;

    private string Buffer(OpEmitContext c, string suffix) => TrackRunningStats ? c.Buffer(suffix) : OpEmitContext.Empty;

    private string Counter(OpEmitContext c) => TrackRunningStats ? c.Buffer("num_batches_tracked") : "global::System.Span<long>.Empty";
}
