using System;

namespace StaticGrad;

/// <summary>
/// Declares <c>nn.Flatten()</c>: an image <c>[B, C, H, W]</c> becomes <c>[B, C·H·W]</c> in channel-major order, as
/// PyTorch flattens it, so a following <see cref="LinearAttribute"/> has PyTorch's weight layout. It costs nothing: the
/// values stay where they are. The member's type is <see cref="Flatten"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class FlattenAttribute : Attribute
{
}
