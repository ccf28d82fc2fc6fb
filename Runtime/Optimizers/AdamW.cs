namespace StaticGrad;

/// <summary>
/// AdamW (Loshchilov and Hutter), Adam with decoupled weight decay, exactly as PyTorch 1.13's
/// <c>torch.optim.AdamW</c>: each step first scales the parameters, <c>θ *= 1 - lr·wd</c>, and the
/// gradient is used as is. See <see cref="AdamBase"/> for the rest of the update.
/// </summary>
public sealed class AdamW : AdamBase
{
    /// <summary>Creates the optimizer and allocates its state (two buffers, three with AMSGrad).</summary>
    /// <param name="parameters">The parameters to update from their gradients.</param>
    /// <param name="learningRate">The learning rate; at least 0.</param>
    /// <param name="beta1">β₁ in [0, 1).</param>
    /// <param name="beta2">β₂ in [0, 1).</param>
    /// <param name="epsilon">ε; at least 0.</param>
    /// <param name="weightDecay">The decoupled weight decay; at least 0.</param>
    /// <param name="amsgrad">Whether to use the AMSGrad variant.</param>
    /// <exception cref="System.ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="System.ArgumentOutOfRangeException">A hyperparameter is out of range (the exception names it).</exception>
    public AdamW(
        ParameterSet parameters, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 1e-2f, bool amsgrad = false)
        : base(parameters, learningRate, beta1, beta2, epsilon, weightDecay, amsgrad, decoupledWeightDecay: true)
    {
    }
}
