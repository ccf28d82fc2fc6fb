using System;
using System.Collections.Generic;

namespace StaticGrad;

/// <summary>
/// The shared part of <see cref="Adamax"/>, <see cref="NAdam"/> and <see cref="RAdam"/>: an <see cref="ElementwiseOptimizer"/> with a first
/// moment <c>m = β₁m + (1-β₁)g</c> whose β₁ PyTorch's <c>OneCycleLR</c> cycles (its <c>betas[0]</c>, with
/// <c>cycle_momentum=True</c>), so β₁ is an <see cref="IMomentumOptimizer.Momentum"/> that changes between steps.
/// </summary>
/// <remarks>
/// Each step reads β₁ as it is then: the update multiplies by β₁ as a float and by <c>1 - β₁</c> rounded to float, and the
/// bias correction <c>1 - β₁ᵗ</c> is computed in double, both from the group's float64 as PyTorch computes them: the
/// constructor's float as its decimal value, or the float64 a one-cycle schedule computed. A saved state holds the β₁ of
/// its last step (that float64, written exactly), and importing it takes that value, as PyTorch's <c>load_state_dict</c>
/// takes the group's <c>betas</c>, so a one-cycle run matches PyTorch's and resumes bit for bit.
/// </remarks>
public abstract class FirstMomentOptimizer : ElementwiseOptimizer, IScheduledMomentum
{
    private const string Beta1Setting = "beta1";
    private Beta1 _beta1;
    private Beta1? _importedBeta1;

    /// <summary>Validates β₁ and the base's hyperparameters, and allocates the buffers.</summary>
    private protected FirstMomentOptimizer(ParameterSet parameters, float learningRate, float beta1, float weightDecay, string algorithm, string displayName, string[] bufferNames)
        : base(parameters, learningRate, weightDecay, algorithm, displayName, bufferNames)
    {
        _beta1 = StaticGrad.Beta1.FromFloat(beta1, nameof(beta1));
    }

    /// <summary>β₁, the decay rate of the first moment (a one-cycle schedule changes it through <see cref="IMomentumOptimizer.Momentum"/>).</summary>
    public float Beta1 => _beta1.Value;

    /// <summary>β₁, which PyTorch's <c>OneCycleLR</c> cycles as the momentum of this optimizer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 1).</exception>
    float IMomentumOptimizer.Momentum
    {
        get => Beta1;
        set => _beta1 = StaticGrad.Beta1.FromFloat(value, nameof(value));
    }

    /// <summary>β₁ as PyTorch's float64 (its group's Python float), for the bias correction.</summary>
    private protected double Beta1Value => _beta1.Exact;

    /// <summary><c>1 - β₁</c>, rounded to float: the weight of the gradient in the first moment.</summary>
    private protected float OneMinusBeta1 => _beta1.OneMinus;

    /// <inheritdoc />
    void IScheduledMomentum.SetScheduledMomentum(double value) => _beta1 = StaticGrad.Beta1.FromDouble(value, nameof(value));

    /// <inheritdoc />
    /// <remarks>The state's β₁ (a one-cycle schedule's value when it was saved) replaces this optimizer's before the comparison.</remarks>
    private protected override KeyValuePair<string, string>[] SettingsToImport(OptimizerState state)
    {
        KeyValuePair<string, string>[] settings = Settings();
        _importedBeta1 = StaticGrad.Beta1.Parse(state.Setting(Beta1Setting));
        for (int i = 0; i < settings.Length && _importedBeta1 is { } beta1; i++)
        {
            if (settings[i].Key == Beta1Setting)
            {
                settings[i] = new(Beta1Setting, beta1.Format());
            }
        }

        return settings;
    }

    /// <inheritdoc />
    private protected override void AfterImport(OptimizerState state)
    {
        if (_importedBeta1 is { } beta1)
        {
            _beta1 = beta1;
        }
    }

    /// <summary>The <c>beta1</c> setting: β₁'s float64, written exactly.</summary>
    private protected string Beta1SettingText => _beta1.Format();
}
