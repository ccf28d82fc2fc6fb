using System;
using System.Collections.Generic;

namespace StaticGrad;

/// <summary>
/// The shared part of <see cref="Adamax"/> and <see cref="RAdam"/>: an <see cref="ElementwiseOptimizer"/> with a first
/// moment <c>m = β₁m + (1-β₁)g</c> whose β₁ PyTorch's <c>OneCycleLR</c> cycles (its <c>betas[0]</c>, with
/// <c>cycle_momentum=True</c>), so β₁ is an <see cref="IMomentumOptimizer.Momentum"/> that changes between steps.
/// </summary>
/// <remarks>
/// Each step reads β₁ as it is then: the update multiplies by β₁ and by <c>1 - β₁</c> rounded to float, and the bias
/// correction <c>1 - β₁ᵗ</c> is computed in double from β₁'s decimal value, as PyTorch computes it from the group's Python
/// float. A saved state holds the β₁ of its last step, and importing it takes that value, as PyTorch's
/// <c>load_state_dict</c> takes the group's <c>betas</c>, so a one-cycle run resumes bit for bit.
/// </remarks>
public abstract class FirstMomentOptimizer : ElementwiseOptimizer, IMomentumOptimizer
{
    private const string Beta1Setting = "beta1";
    private float? _importedBeta1;

    /// <summary>Validates β₁ and the base's hyperparameters, and allocates the buffers.</summary>
    private protected FirstMomentOptimizer(ParameterSet parameters, float learningRate, float beta1, float weightDecay, string algorithm, string displayName, string[] bufferNames)
        : base(parameters, learningRate, weightDecay, algorithm, displayName, bufferNames)
    {
        HyperParameter.ZeroToOneExclusive(beta1, nameof(beta1));
        SetBeta1(beta1);
    }

    /// <summary>β₁, the decay rate of the first moment (a one-cycle schedule changes it through <see cref="IMomentumOptimizer.Momentum"/>).</summary>
    public float Beta1 { get; private set; }

    /// <summary>β₁, which PyTorch's <c>OneCycleLR</c> cycles as the momentum of this optimizer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 1).</exception>
    float IMomentumOptimizer.Momentum
    {
        get => Beta1;
        set
        {
            HyperParameter.ZeroToOneExclusive(value, nameof(value));
            SetBeta1(value);
        }
    }

    /// <summary>β₁ as the double of its decimal value (PyTorch's Python float), for the bias correction.</summary>
    private protected double Beta1Value { get; private set; }

    /// <summary><c>1 - β₁</c>, rounded to float: the weight of the gradient in the first moment.</summary>
    private protected float OneMinusBeta1 { get; private set; }

    /// <inheritdoc />
    /// <remarks>The state's β₁ (a one-cycle schedule's value when it was saved) replaces this optimizer's before the comparison.</remarks>
    private protected override KeyValuePair<string, string>[] SettingsToImport(OptimizerState state)
    {
        KeyValuePair<string, string>[] settings = Settings();
        _importedBeta1 = state.Setting(Beta1Setting) is { } text && OptimizerState.TryParseFloat(text) is float saved && saved >= 0f && saved < 1f ? saved : null;
        for (int i = 0; i < settings.Length && _importedBeta1 is float beta1; i++)
        {
            if (settings[i].Key == Beta1Setting)
            {
                settings[i] = new(Beta1Setting, OptimizerState.Format(beta1));
            }
        }

        return settings;
    }

    /// <inheritdoc />
    private protected override void AfterImport()
    {
        if (_importedBeta1 is float beta1)
        {
            SetBeta1(beta1);
        }
    }

    private void SetBeta1(float value)
    {
        Beta1 = value;
        Beta1Value = HyperParameter.ToDouble(value);
        OneMinusBeta1 = (float)(1.0 - Beta1Value);
    }
}
