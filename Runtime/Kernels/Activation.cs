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

    /// <summary><c>x &gt; 0 ? x : alpha·x</c> (PyTorch's <c>nn.LeakyReLU(negative_slope)</c>).</summary>
    LeakyReLU = 4,

    /// <summary><c>x &gt; 0 ? x : alpha·(e^x - 1)</c> (<c>nn.ELU(alpha)</c>).</summary>
    ELU = 5,

    /// <summary><c>x·Φ(x) = 0.5·x·(1 + erf(x/√2))</c> (<c>nn.GELU()</c>).</summary>
    GELU = 6,

    /// <summary><c>0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))</c> (<c>nn.GELU(approximate='tanh')</c>).</summary>
    GELUTanh = 7,

    /// <summary><c>x·sigmoid(x)</c> (<c>nn.SiLU()</c>).</summary>
    SiLU = 8,

    /// <summary><c>log(1 + e^(beta·x))/beta</c>, linear above the threshold (<c>nn.Softplus(beta, threshold)</c>).</summary>
    Softplus = 9,

    /// <summary><c>x·relu6(x + 3)/6</c> (<c>nn.Hardswish()</c>).</summary>
    Hardswish = 10,

    /// <summary><c>min(max(x, 0), 6)</c> (<c>nn.ReLU6()</c>, MobileNetV2's activation).</summary>
    ReLU6 = 11,

    /// <summary><c>relu6(x + 3)/6</c> (<c>nn.Hardsigmoid()</c>, the gate of MobileNetV3's squeeze-and-excitation blocks).</summary>
    Hardsigmoid = 12,
}
