namespace StaticGrad;

/// <summary>
/// The member type of an <see cref="InstanceNorm2dAttribute"/> layer, <c>nn.InstanceNorm2d</c>: a group norm with one group
/// per channel (<see cref="GroupNormLayer"/>), with or without running statistics.
/// </summary>
public sealed class InstanceNorm2d : GroupNormLayer
{
    /// <summary>Describes an instance norm of <paramref name="numFeatures"/> channels.</summary>
    /// <param name="parameters">The model's parameters.</param>
    /// <param name="numFeatures">The channels; positive.</param>
    /// <param name="eps">Added to the variance; positive.</param>
    /// <param name="weight">The <c>[channels]</c> scale, or null without an affine transform (PyTorch's default).</param>
    /// <param name="bias">The <c>[channels]</c> shift; null exactly when <paramref name="weight"/> is.</param>
    /// <exception cref="System.ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="System.ArgumentOutOfRangeException"><paramref name="numFeatures"/> or <paramref name="eps"/> is out of range.</exception>
    /// <param name="momentum">The running statistics' update factor, from 0 to 1.</param>
    /// <param name="trackRunningStats">Whether the layer keeps running statistics (PyTorch's <c>track_running_stats</c>).</param>
    /// <exception cref="System.ArgumentException">Only one of weight and bias is given, or one has the wrong shape.</exception>
    public InstanceNorm2d(ParameterSet parameters, int numFeatures, float eps, ParameterTensor? weight, ParameterTensor? bias, float momentum = 0.1f, bool trackRunningStats = false)
        : base(parameters, numFeatures, numFeatures, eps, weight, bias)
    {
        if (!(momentum >= 0f && momentum <= 1f))
        {
            throw new System.ArgumentOutOfRangeException(nameof(momentum), momentum, "Expected a momentum from 0 to 1.");
        }

        Momentum = momentum;
        TrackRunningStats = trackRunningStats;
    }

    /// <summary>The running statistics' update factor.</summary>
    public float Momentum { get; }

    /// <summary>Whether the layer keeps running statistics and normalizes with them in eval mode.</summary>
    public bool TrackRunningStats { get; }

    /// <summary>PyTorch's description, <c>InstanceNorm2d(8, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString()
        => string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"InstanceNorm2d({NumChannels}, eps={EpsText}, momentum={PythonText.Float(Momentum)}, affine={PythonText.Bool(Affine)}, track_running_stats={PythonText.Bool(TrackRunningStats)})");
}
