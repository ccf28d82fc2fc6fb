namespace StaticGrad;

/// <summary>
/// An optimizer whose momentum a schedule may change between steps, as PyTorch's <c>OneCycleLR</c> (and, for SGD and RMSprop,
/// <c>CyclicLR</c>) does with <c>cycle_momentum=True</c>: SGD's and RMSprop's <c>momentum</c>, or the β₁ (<c>betas[0]</c>) of
/// Adam, AdamW, Adamax, NAdam and RAdam.
/// </summary>
public interface IMomentumOptimizer : IOptimizer
{
    /// <summary>SGD's or RMSprop's momentum, or the β₁ of the Adam family; the next step uses the new value.</summary>
    /// <exception cref="System.ArgumentOutOfRangeException">The value is out of the optimizer's range.</exception>
    float Momentum { get; set; }
}
