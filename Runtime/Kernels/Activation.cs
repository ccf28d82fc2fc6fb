namespace StaticGrad.Kernels;

/// <summary>An elementwise activation applied after a linear layer.</summary>
public enum Activation
{
    /// <summary>The identity.</summary>
    None = 0,

    /// <summary><c>max(0, x)</c>.</summary>
    ReLU = 1,

    /// <summary><c>1 / (1 + e^-x)</c>.</summary>
    Sigmoid = 2,

    /// <summary><c>tanh(x)</c>.</summary>
    Tanh = 3,
}
