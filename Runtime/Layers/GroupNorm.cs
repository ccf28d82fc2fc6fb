namespace StaticGrad;

/// <summary>
/// The member type of a <see cref="GroupNormAttribute"/> layer, <c>nn.GroupNorm</c>: its options and parameters
/// (<see cref="GroupNormLayer"/>).
/// </summary>
public sealed class GroupNorm : GroupNormLayer
{
    /// <summary>Describes a group norm of <paramref name="numChannels"/> channels in <paramref name="numGroups"/> groups.</summary>
    /// <param name="parameters">The model's parameters.</param>
    /// <param name="numGroups">The groups; positive, dividing <paramref name="numChannels"/>.</param>
    /// <param name="numChannels">The channels; positive.</param>
    /// <param name="eps">Added to the variance; positive.</param>
    /// <param name="weight">The <c>[channels]</c> scale, or null without an affine transform.</param>
    /// <param name="bias">The <c>[channels]</c> shift; null exactly when <paramref name="weight"/> is.</param>
    /// <exception cref="System.ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="System.ArgumentOutOfRangeException">A count or <paramref name="eps"/> is out of range.</exception>
    /// <exception cref="System.ArgumentException">Only one of weight and bias is given, or one has the wrong shape.</exception>
    public GroupNorm(ParameterSet parameters, int numGroups, int numChannels, float eps, ParameterTensor? weight, ParameterTensor? bias)
        : base(parameters, numGroups, numChannels, eps, weight, bias)
    {
    }

    /// <summary>PyTorch's description, <c>GroupNorm(2, 8, eps=1e-05, affine=True)</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString()
        => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"GroupNorm({NumGroups}, {NumChannels}, eps={EpsText}, affine={PythonText.Bool(Affine)})");
}
