using System;

namespace StaticGrad;

/// <summary>
/// Declares layer normalization over each sample's features, like PyTorch's <c>nn.LayerNorm(features, eps,
/// elementwise_affine)</c>: <c>y = (x - mean) / sqrt(var + eps) * weight + bias</c>, with the biased variance of the
/// row. <c>weight</c> starts at 1 and <c>bias</c> at 0. The member's type is <see cref="LayerNorm"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class LayerNormAttribute : Attribute
{
    /// <summary>Added to the variance for numerical stability (PyTorch's default 1e-5); must be positive.</summary>
    public float Eps { get; set; } = 1e-5f;

    /// <summary>Whether the layer has a learnable <c>weight</c> and <c>bias</c> (the default, as in PyTorch).</summary>
    public bool ElementwiseAffine { get; set; } = true;

    /// <summary>
    /// The layer's <c>state_dict</c> name, instead of the member's name in snake_case: <c>Name = "0"</c> gives
    /// <c>0.weight</c> and <c>0.bias</c>, so an <c>nn.Sequential</c> state_dict loads as is; a dotted path such as
    /// <c>"features.0"</c> matches a nested module. Segments of letters, digits, <c>_</c> and <c>-</c>, separated by
    /// single dots; unique in the model (diagnostic SG0035 otherwise). Null (the default) keeps the member's name.
    /// </summary>
    public string? Name { get; set; }
}
