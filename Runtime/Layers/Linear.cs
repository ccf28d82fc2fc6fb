using System;

namespace StaticGrad;

/// <summary>
/// A view of one fully connected layer's parameters and gradients inside its model's
/// <see cref="ParameterSet"/>. The generated model creates one per <see cref="LinearAttribute"/> member.
/// </summary>
public sealed class Linear
{
    private readonly ParameterSet _parameters;

    /// <summary>Creates the view; called by generated code.</summary>
    /// <param name="parameters">The model's parameters.</param>
    /// <param name="weight">The weight tensor, shape <c>[outputs, inputs]</c>.</param>
    /// <param name="bias">The bias tensor, shape <c>[outputs]</c>, or null for a layer declared with <c>Bias = false</c>.</param>
    public Linear(ParameterSet parameters, ParameterTensor weight, ParameterTensor? bias)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Shape.Count != 2)
        {
            throw new ArgumentException($"Expected a 2-D weight, got {weight}.", nameof(weight));
        }

        if (bias is not null && (bias.Shape.Count != 1 || bias.Shape[0] != weight.Shape[0]))
        {
            throw new ArgumentException($"Expected a bias of shape [{weight.Shape[0]}], got {bias}.", nameof(bias));
        }

        _parameters = parameters;
        WeightTensor = weight;
        BiasTensor = bias;
    }

    /// <summary>The number of input features.</summary>
    public int Inputs => WeightTensor.Shape[1];

    /// <summary>The number of output features.</summary>
    public int Outputs => WeightTensor.Shape[0];

    /// <summary>The weight tensor's description (<c>name.weight</c>, <c>[outputs, inputs]</c>).</summary>
    public ParameterTensor WeightTensor { get; }

    /// <summary>The bias tensor's description (<c>name.bias</c>, <c>[outputs]</c>), or null for a layer without bias.</summary>
    public ParameterTensor? BiasTensor { get; }

    /// <summary>Whether the layer has a bias.</summary>
    public bool HasBias => BiasTensor is not null;

    /// <summary>The weight, row-major <c>[outputs, inputs]</c>.</summary>
    public Span<float> Weight => _parameters.ValuesOf(WeightTensor);

    /// <summary>The bias, <c>[outputs]</c> (empty for a layer without bias).</summary>
    public Span<float> Bias => BiasTensor is null ? Span<float>.Empty : _parameters.ValuesOf(BiasTensor);

    /// <summary>The gradient of the weight from the last training step.</summary>
    public Span<float> WeightGradient => _parameters.GradientsOf(WeightTensor);

    /// <summary>The gradient of the bias from the last training step (empty for a layer without bias).</summary>
    public Span<float> BiasGradient => BiasTensor is null ? Span<float>.Empty : _parameters.GradientsOf(BiasTensor);

    /// <summary>PyTorch's <c>repr</c>: <c>Linear(in_features=128, out_features=10, bias=True)</c>.</summary>
    public override string ToString()
        => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Linear(in_features={Inputs}, out_features={Outputs}, bias={PythonText.Bool(HasBias)})");
}
