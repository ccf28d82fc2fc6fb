using System;

namespace StaticGrad;

/// <summary>
/// What the group norm layers (<see cref="GroupNorm"/>, <see cref="InstanceNorm2d"/>, one group per channel) share: their
/// options and views of their <c>weight</c> and <c>bias</c> in the model's parameter set (absent without an affine
/// transform).
/// </summary>
public abstract class GroupNormLayer
{
    private readonly ParameterSet _parameters;

    /// <summary>Describes a group norm of <paramref name="numChannels"/> channels in <paramref name="numGroups"/> groups.</summary>
    /// <param name="parameters">The model's parameters.</param>
    /// <param name="numGroups">The groups; positive, dividing <paramref name="numChannels"/>.</param>
    /// <param name="numChannels">The channels; positive.</param>
    /// <param name="eps">Added to the variance; positive.</param>
    /// <param name="weight">The <c>[channels]</c> scale, or null without an affine transform.</param>
    /// <param name="bias">The <c>[channels]</c> shift; null exactly when <paramref name="weight"/> is.</param>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A count or <paramref name="eps"/> is out of range.</exception>
    /// <exception cref="ArgumentException">Only one of weight and bias is given, or one has the wrong shape.</exception>
    private protected GroupNormLayer(ParameterSet parameters, int numGroups, int numChannels, float eps, ParameterTensor? weight, ParameterTensor? bias)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numGroups);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numChannels);
        if (numChannels % numGroups != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(numGroups), numGroups, $"Expected groups dividing the {numChannels} channels.");
        }

        if (!(eps > 0f) || float.IsInfinity(eps))
        {
            throw new ArgumentOutOfRangeException(nameof(eps), eps, "Expected a finite, positive eps.");
        }

        if ((weight is null) != (bias is null))
        {
            throw new ArgumentException("Expected both weight and bias, or neither (affine=False).", weight is null ? nameof(weight) : nameof(bias));
        }

        foreach ((ParameterTensor? tensor, string name) in new[] { (weight, nameof(weight)), (bias, nameof(bias)) })
        {
            if (tensor is not null && (tensor.Shape.Count != 1 || tensor.Shape[0] != numChannels))
            {
                throw new ArgumentException($"Expected a tensor of shape [{numChannels}], got {tensor}.", name);
            }
        }

        _parameters = parameters;
        NumGroups = numGroups;
        NumChannels = numChannels;
        Eps = eps;
        WeightTensor = weight;
        BiasTensor = bias;
    }

    /// <summary>The groups of channels.</summary>
    public int NumGroups { get; }

    /// <summary>The channels.</summary>
    public int NumChannels { get; }

    /// <summary>Added to the variance.</summary>
    public float Eps { get; }

    /// <summary><see cref="Eps"/> as PyTorch prints it (<c>1e-05</c>, <c>0.001</c>).</summary>
    private protected string EpsText => PythonText.Float(Eps);

    /// <summary>Whether the layer has a learnable weight and bias.</summary>
    public bool Affine => WeightTensor is not null;

    /// <summary>The scale tensor, or null.</summary>
    public ParameterTensor? WeightTensor { get; }

    /// <summary>The shift tensor, or null.</summary>
    public ParameterTensor? BiasTensor { get; }

    /// <summary>The scale's values (empty without an affine transform).</summary>
    public Span<float> Weight => WeightTensor is null ? Span<float>.Empty : _parameters.ValuesOf(WeightTensor);

    /// <summary>The shift's values (empty without an affine transform).</summary>
    public Span<float> Bias => BiasTensor is null ? Span<float>.Empty : _parameters.ValuesOf(BiasTensor);
}
