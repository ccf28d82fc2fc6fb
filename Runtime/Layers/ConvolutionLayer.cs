using System;

namespace StaticGrad;

/// <summary>
/// What the convolution layers (<see cref="Conv2d"/>, <see cref="ConvTranspose2d"/>) share: views of their <c>weight</c> and
/// <c>bias</c> inside the model's <see cref="ParameterSet"/>, and the scratch memory their kernel calls share (allocated
/// once, by the layer).
/// </summary>
public abstract class ConvolutionLayer
{
    private readonly ParameterSet _parameters;
    private float[] _workspace = [];

    /// <summary>Keeps the layer's tensors.</summary>
    /// <param name="parameters">The model's parameters.</param>
    /// <param name="weight">The weight tensor.</param>
    /// <param name="bias">The bias tensor, or null for a layer declared with <c>Bias = false</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> or <paramref name="weight"/> is null.</exception>
    private protected ConvolutionLayer(ParameterSet parameters, ParameterTensor weight, ParameterTensor? bias)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(weight);
        _parameters = parameters;
        WeightTensor = weight;
        BiasTensor = bias;
    }

    /// <summary>The weight tensor's description.</summary>
    public ParameterTensor WeightTensor { get; }

    /// <summary>The bias tensor's description, or null for a layer without bias.</summary>
    public ParameterTensor? BiasTensor { get; }

    /// <summary>The weight's values, in PyTorch's layout.</summary>
    public Span<float> Weight => _parameters.ValuesOf(WeightTensor);

    /// <summary>The bias, <c>[out_channels]</c> (empty for a layer without bias).</summary>
    public Span<float> Bias => BiasTensor is null ? Span<float>.Empty : _parameters.ValuesOf(BiasTensor);

    /// <summary>The gradient of the weight from the last training step.</summary>
    public Span<float> WeightGradient => _parameters.GradientsOf(WeightTensor);

    /// <summary>The gradient of the bias from the last training step (empty for a layer without bias).</summary>
    public Span<float> BiasGradient => BiasTensor is null ? Span<float>.Empty : _parameters.GradientsOf(BiasTensor);

    /// <summary>
    /// The kernels' scratch memory for the training step's passes (and forward passes in training mode), which run one at
    /// a time under the model's training-step guard.
    /// </summary>
    public Span<float> Workspace => _workspace;

    /// <summary>
    /// Scratch memory of the same size for inference (<c>Forward</c>, <c>Predict</c>), which may run on several threads
    /// at once: the calling thread's own buffer (<see cref="InferenceScratch"/>), never shared with another call or with
    /// <see cref="Workspace"/>. The same length as <see cref="Workspace"/>, so the kernels split the same way.
    /// </summary>
    public Span<float> InferenceWorkspace => InferenceScratch.Rent(_workspace.Length);

    /// <summary>Allocates the training workspace once the layer has checked its geometry.</summary>
    private protected void AllocateWorkspace(int floats) => _workspace = new float[floats];
}
