namespace StaticGrad;

/// <summary>
/// Adam (Kingma and Ba) with coupled weight decay, exactly as PyTorch 1.13's <c>torch.optim.Adam</c>:
/// the decay is added to the gradient, <c>g = ∇ + wd·θ</c>, before the moments are updated.
/// See <see cref="AdamBase"/> for the update.
/// </summary>
public sealed class Adam : AdamBase
{
    /// <summary>Creates the optimizer and allocates its state (two buffers, three with AMSGrad).</summary>
    /// <param name="parameters">The parameters to update from their gradients.</param>
    /// <param name="learningRate">The learning rate; at least 0.</param>
    /// <param name="beta1">β₁ in [0, 1).</param>
    /// <param name="beta2">β₂ in [0, 1).</param>
    /// <param name="epsilon">ε; at least 0.</param>
    /// <param name="weightDecay">The L2 penalty added to the gradient; at least 0.</param>
    /// <param name="amsgrad">Whether to use the AMSGrad variant.</param>
    /// <exception cref="System.ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="System.ArgumentOutOfRangeException">A hyperparameter is out of range (the exception names it).</exception>
    public Adam(
        ParameterSet parameters, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0, bool amsgrad = false)
        : base(parameters, learningRate, beta1, beta2, epsilon, weightDecay, amsgrad, decoupledWeightDecay: false)
    {
    }
}
