namespace StaticGrad;

/// <summary>
/// Which fan Kaiming initialization divides by (PyTorch's <c>mode</c> argument): <see cref="FanIn"/> keeps the variance
/// of the activations in the forward pass, <see cref="FanOut"/> that of the gradients in the backward pass.
/// </summary>
public enum FanMode
{
    /// <summary>The fan-in, <c>size(1) · receptive field</c> (PyTorch's <c>'fan_in'</c>, the default).</summary>
    FanIn,

    /// <summary>The fan-out, <c>size(0) · receptive field</c> (PyTorch's <c>'fan_out'</c>).</summary>
    FanOut,
}
