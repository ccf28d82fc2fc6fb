using System;

namespace StaticGrad;

/// <summary>
/// Declares batch normalization over the batch, PyTorch's <c>nn.BatchNorm1d(features, eps, momentum, affine,
/// track_running_stats)</c>: each feature is normalized with the batch's mean and biased variance in training mode,
/// <c>y = (x - mean) / sqrt(var + eps) * weight + bias</c>, and the running statistics are updated; in eval mode the
/// running statistics are used. <c>weight</c> starts at 1, <c>bias</c> at 0, <c>running_mean</c> at 0,
/// <c>running_var</c> at 1. The member's type is <see cref="BatchNorm1d"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class BatchNorm1dAttribute : Attribute
{
    /// <summary>Added to the variance for numerical stability (PyTorch's default 1e-5); must be positive.</summary>
    public float Eps { get; set; } = 1e-5f;

    /// <summary>
    /// The running statistics' update factor, <c>running = (1 - momentum) * running + momentum * batch</c>, in [0, 1]
    /// (PyTorch's default 0.1).
    /// </summary>
    public float Momentum { get; set; } = 0.1f;

    /// <summary>
    /// Whether the running statistics are a cumulative (simple) average of every batch's, PyTorch's <c>momentum=None</c>;
    /// <see cref="Momentum"/> is then ignored.
    /// </summary>
    public bool CumulativeAverage { get; set; }

    /// <summary>Whether the layer has a learnable <c>weight</c> and <c>bias</c> (the default, as in PyTorch).</summary>
    public bool Affine { get; set; } = true;

    /// <summary>
    /// Whether the layer keeps running statistics (<c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>)
    /// and uses them in eval mode (the default, as in PyTorch); without them every batch is normalized with its own
    /// statistics in both modes.
    /// </summary>
    public bool TrackRunningStats { get; set; } = true;

    /// <summary>
    /// The layer's <c>state_dict</c> name, instead of the member's name in snake_case: <c>Name = "0"</c> gives
    /// <c>0.weight</c> and <c>0.bias</c>, so an <c>nn.Sequential</c> state_dict loads as is; a dotted path such as
    /// <c>"features.0"</c> matches a nested module. Segments of letters, digits, <c>_</c> and <c>-</c>, separated by
    /// single dots; unique in the model (diagnostic SG0035 otherwise). Null (the default) keeps the member's name.
    /// </summary>
    public string? Name { get; set; }
}
