namespace StaticGrad;

/// <summary>The member type of a <see cref="FlattenAttribute"/> layer: <c>[B, C, H, W]</c> read as <c>[B, C·H·W]</c>.</summary>
public sealed class Flatten
{
    /// <inheritdoc/>
    public override string ToString() => "Flatten(start_dim=1, end_dim=-1)";
}
