namespace StaticGrad.Kernels;

/// <summary>The element-wise regression losses of <see cref="RegressionLoss"/>, with <c>d = prediction - target</c>.</summary>
public enum RegressionLossKind
{
    /// <summary>Squared error <c>d²</c>, PyTorch's <c>nn.MSELoss</c>; gradient <c>2d</c>.</summary>
    Mse = 0,

    /// <summary>Absolute error <c>|d|</c>, PyTorch's <c>nn.L1Loss</c>; gradient <c>sign(d)</c> with <c>sign(0) = 0</c>.</summary>
    L1 = 1,

    /// <summary>
    /// PyTorch's <c>nn.SmoothL1Loss(beta)</c>: <c>0.5·d²/β</c> where <c>|d| &lt; β</c>, else <c>|d| - 0.5·β</c>;
    /// gradient <c>clamp(d/β, -1, 1)</c>. <c>β = 0</c> is <see cref="L1"/>.
    /// </summary>
    SmoothL1 = 2,

    /// <summary>
    /// PyTorch's <c>nn.HuberLoss(delta)</c>: <c>0.5·d²</c> where <c>|d| &lt; δ</c>, else <c>δ·(|d| - 0.5·δ)</c>;
    /// gradient <c>clamp(d, -δ, δ)</c>.
    /// </summary>
    Huber = 3,
}
