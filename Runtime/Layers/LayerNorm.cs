using System;

namespace StaticGrad;

/// <summary>
/// The member type of a <see cref="LayerNormAttribute"/> layer: its options and views of its <c>weight</c> and
/// <c>bias</c> in the model's parameter set (absent without an elementwise affine transform).
/// </summary>
public sealed class LayerNorm
{
    private readonly ParameterSet _parameters;

    /// <summary>Describes a layer norm over <paramref name="features"/> features.</summary>
    /// <param name="parameters">The model's parameters.</param>
    /// <param name="features">The normalized features; positive.</param>
    /// <param name="eps">Added to the variance; positive.</param>
    /// <param name="weight">The <c>[features]</c> scale, or null without an affine transform.</param>
    /// <param name="bias">The <c>[features]</c> shift; null exactly when <paramref name="weight"/> is.</param>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="features"/> or <paramref name="eps"/> is out of range.</exception>
    /// <exception cref="ArgumentException">Only one of weight and bias is given, or one has the wrong shape.</exception>
    public LayerNorm(ParameterSet parameters, int features, float eps, ParameterTensor? weight, ParameterTensor? bias)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        if (!(eps > 0f) || float.IsInfinity(eps))
        {
            throw new ArgumentOutOfRangeException(nameof(eps), eps, "Expected a finite, positive eps.");
        }

        if ((weight is null) != (bias is null))
        {
            throw new ArgumentException("Expected both weight and bias, or neither (elementwise_affine=False).", weight is null ? nameof(weight) : nameof(bias));
        }

        CheckShape(weight, features, nameof(weight));
        CheckShape(bias, features, nameof(bias));
        _parameters = parameters;
        Features = features;
        Eps = eps;
        WeightTensor = weight;
        BiasTensor = bias;
    }

    /// <summary>The normalized features.</summary>
    public int Features { get; }

    /// <summary>Added to the variance.</summary>
    public float Eps { get; }

    /// <summary>Whether the layer has a learnable weight and bias.</summary>
    public bool ElementwiseAffine => WeightTensor is not null;

    /// <summary>The scale tensor, or null.</summary>
    public ParameterTensor? WeightTensor { get; }

    /// <summary>The shift tensor, or null.</summary>
    public ParameterTensor? BiasTensor { get; }

    /// <summary>The scale's values (empty without an affine transform).</summary>
    public Span<float> Weight => WeightTensor is null ? Span<float>.Empty : _parameters.ValuesOf(WeightTensor);

    /// <summary>The shift's values (empty without an affine transform).</summary>
    public Span<float> Bias => BiasTensor is null ? Span<float>.Empty : _parameters.ValuesOf(BiasTensor);

    private static void CheckShape(ParameterTensor? tensor, int features, string name)
    {
        if (tensor is not null && (tensor.Shape.Count != 1 || tensor.Shape[0] != features))
        {
            throw new ArgumentException($"Expected a tensor of shape [{features}], got {tensor}.", name);
        }
    }

    /// <summary>PyTorch's <c>repr</c>: <c>LayerNorm((128,), eps=1e-05, elementwise_affine=True)</c>.</summary>
    public override string ToString()
        => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"LayerNorm(({Features},), eps={PythonText.Float(Eps)}, elementwise_affine={PythonText.Bool(ElementwiseAffine)})");
}
