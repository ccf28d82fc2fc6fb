namespace StaticGrad;

/// <summary>
/// An <see cref="IMomentumOptimizer"/> whose update reads its momentum in float64 as well (the β₁ of the Adam family:
/// <c>1 - β₁</c> and the bias correction <c>1 - β₁ᵗ</c>), so a schedule hands it the float64 it computed, as PyTorch's
/// group holds the schedule's Python float. SGD and RMSprop only multiply by their momentum as a float, which
/// <see cref="IMomentumOptimizer.Momentum"/> holds exactly.
/// </summary>
internal interface IScheduledMomentum : IMomentumOptimizer
{
    /// <summary>Sets the momentum to a schedule's float64 value; the next step uses it.</summary>
    /// <exception cref="System.ArgumentOutOfRangeException">The value is out of the optimizer's range.</exception>
    void SetScheduledMomentum(double value);
}
