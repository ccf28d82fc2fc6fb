using System;

namespace StaticGrad;

/// <summary>
/// Declares instance normalization of an image <c>[B, C, H, W]</c>, PyTorch's <c>nn.InstanceNorm2d(num_features, eps,
/// momentum, affine, track_running_stats)</c>: each channel of each sample normalized by its own mean and biased variance
/// over its plane, then, with <see cref="Affine"/>, scaled and shifted per channel (a group norm with one group per
/// channel). Without <see cref="TrackRunningStats"/> (PyTorch's default) the same in training and eval mode; with it,
/// training also updates <c>running_mean</c> and <c>running_var</c> (each sample's statistics moved in by
/// <see cref="Momentum"/>, then averaged over the batch, as PyTorch does) and eval mode normalizes with them. An input of
/// one pixel per channel is a compile error, as PyTorch refuses it. The member's type is <see cref="InstanceNorm2d"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class InstanceNorm2dAttribute : Attribute
{
    /// <summary>Added to the variance for numerical stability (PyTorch's default 1e-5); must be positive.</summary>
    public float Eps { get; set; } = 1e-5f;

    /// <summary>Whether the layer has a learnable per-channel <c>weight</c> (starting at 1) and <c>bias</c> (0); false by default, as in PyTorch.</summary>
    public bool Affine { get; set; }

    /// <summary>PyTorch's <c>track_running_stats</c> (false by default): keep running statistics and normalize with them in eval mode.</summary>
    public bool TrackRunningStats { get; set; }

    /// <summary>The running statistics' update factor (PyTorch's default 0.1), from 0 to 1; used with <see cref="TrackRunningStats"/>.</summary>
    public float Momentum { get; set; } = 0.1f;

    /// <summary>
    /// The layer's <c>state_dict</c> name, instead of the member's name in snake_case (see <see cref="LinearAttribute.Name"/>).
    /// Null (the default) keeps the member's name.
    /// </summary>
    public string? Name { get; set; }
}
