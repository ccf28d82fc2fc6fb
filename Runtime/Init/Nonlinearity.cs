namespace StaticGrad;

/// <summary>
/// The functions <see cref="Init.CalculateGain"/> knows, PyTorch's <c>torch.nn.init.calculate_gain</c> names
/// (<c>'linear'</c>, <c>'conv2d'</c>, <c>'conv_transpose2d'</c>, <c>'sigmoid'</c>, <c>'tanh'</c>, <c>'relu'</c>,
/// <c>'leaky_relu'</c>, <c>'selu'</c>).
/// </summary>
public enum Nonlinearity
{
    /// <summary>The identity (<c>'linear'</c>): gain 1.</summary>
    Linear,

    /// <summary>A convolution without an activation (<c>'conv2d'</c>): gain 1.</summary>
    Conv2d,

    /// <summary>A transposed convolution without an activation (<c>'conv_transpose2d'</c>): gain 1.</summary>
    ConvTranspose2d,

    /// <summary>The logistic sigmoid (<c>'sigmoid'</c>): gain 1.</summary>
    Sigmoid,

    /// <summary>The hyperbolic tangent (<c>'tanh'</c>): gain 5/3.</summary>
    Tanh,

    /// <summary>The rectifier (<c>'relu'</c>): gain √2.</summary>
    ReLU,

    /// <summary>The leaky rectifier (<c>'leaky_relu'</c>): gain √(2 / (1 + slope²)), the slope 0.01 unless given.</summary>
    LeakyReLU,

    /// <summary>The scaled exponential linear unit (<c>'selu'</c>): gain 3/4.</summary>
    SELU,
}
