using System;
using StaticGrad.Kernels;

namespace StaticGrad;

/// <summary>
/// The member type of an activation declared as a member of its own (<c>[GELU] partial ActivationLayer Act { get; }</c>):
/// which activation, and its parameters.
/// </summary>
public sealed class ActivationLayer
{
    /// <summary>Describes an activation.</summary>
    /// <param name="kind">The activation.</param>
    /// <param name="alpha">LeakyReLU's slope, ELU's alpha or Softplus's beta; 0 for the others.</param>
    /// <param name="threshold">Softplus's threshold; 0 for the others.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not a defined value.</exception>
    public ActivationLayer(Activation kind, float alpha, float threshold)
    {
        if (kind is < Activation.None or > Activation.Hardsigmoid)
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Expected a defined Activation value.");
        }

        Kind = kind;
        Alpha = alpha;
        Threshold = threshold;
    }

    /// <summary>The activation.</summary>
    public Activation Kind { get; }

    /// <summary>LeakyReLU's negative slope, ELU's alpha or Softplus's beta.</summary>
    public float Alpha { get; }

    /// <summary>Softplus's threshold.</summary>
    public float Threshold { get; }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        Activation.LeakyReLU => $"LeakyReLU(negative_slope={PythonText.Float(Alpha)})",
        Activation.ELU => $"ELU(alpha={PythonText.Float(Alpha)})",
        Activation.GELU => "GELU(approximate='none')",
        Activation.GELUTanh => "GELU(approximate='tanh')",
        Activation.Softplus => $"Softplus(beta={Number(Alpha)}, threshold={Number(Threshold)})",
        _ => Kind + "()",
    };

    /// <summary>Softplus's options as PyTorch prints its defaults, which are ints (<c>beta=1, threshold=20</c>).</summary>
    private static string Number(float value) => value == System.MathF.Round(value) && System.MathF.Abs(value) < 1e6f
        ? ((int)value).ToString(System.Globalization.CultureInfo.InvariantCulture)
        : PythonText.Float(value);
}
