using System;

namespace StaticGrad;

/// <summary>
/// Declares group normalization, PyTorch's <c>nn.GroupNorm(num_groups, num_channels, eps, affine)</c>: each sample's
/// channels fall into <see cref="NumGroups"/> groups, each normalized by its own mean and biased variance over its
/// channels and their planes, <c>(x - mean) / sqrt(var + eps)</c>, then scaled and shifted per channel by <c>weight</c>
/// (starting at 1) and <c>bias</c> (0). It takes images <c>[B, C, H, W]</c> or flat features <c>[B, C]</c>; the channels
/// are the previous layer's and must be a multiple of the groups. The same in training and eval mode (no running
/// statistics). The member's type is <see cref="GroupNorm"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class GroupNormAttribute : Attribute
{
    /// <summary>Declares group normalization over <paramref name="numGroups"/> groups of channels.</summary>
    /// <param name="numGroups">The groups; positive, dividing the channels (1: each sample normalized as a whole; the channel count: each channel alone).</param>
    public GroupNormAttribute(int numGroups) => NumGroups = numGroups;

    /// <summary>The groups of channels.</summary>
    public int NumGroups { get; }

    /// <summary>Added to the variance for numerical stability (PyTorch's default 1e-5); must be positive.</summary>
    public float Eps { get; set; } = 1e-5f;

    /// <summary>Whether the layer has a learnable per-channel <c>weight</c> and <c>bias</c> (the default, as in PyTorch).</summary>
    public bool Affine { get; set; } = true;

    /// <summary>
    /// The layer's <c>state_dict</c> name, instead of the member's name in snake_case: <c>Name = "0"</c> gives
    /// <c>0.weight</c> and <c>0.bias</c>, so an <c>nn.Sequential</c> state_dict loads as is; a dotted path such as
    /// <c>"features.0"</c> matches a nested module. Segments of letters, digits, <c>_</c> and <c>-</c>, separated by
    /// single dots; unique in the model (diagnostic SG0035 otherwise). Null (the default) keeps the member's name.
    /// </summary>
    public string? Name { get; set; }
}
