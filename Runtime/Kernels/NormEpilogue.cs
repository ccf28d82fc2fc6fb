using System;
using System.Runtime.CompilerServices;

namespace StaticGrad.Kernels;

/// <summary>
/// The activation a normalization kernel applies to each value it writes (a norm followed by a ReLU, Sigmoid or Tanh,
/// fused by the compiler), and its derivative from that output. The formulas are the activation kernels' own
/// (<see cref="IActivationFunction"/> at the scalar width), so a fused norm gives the same bits as the norm and then the
/// activation.
/// </summary>
internal static class NormEpilogue
{
    /// <summary>Throws unless the activation is one whose derivative the output alone gives.</summary>
    public static void Check(Activation activation, ReadOnlySpan<float> output, int length, string outputName)
    {
        if (activation is not (Activation.None or Activation.ReLU or Activation.Sigmoid or Activation.Tanh))
        {
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "A normalization kernel applies None, ReLU, Sigmoid or Tanh (activations whose derivative the output gives).");
        }

        if (activation != Activation.None)
        {
            KernelGuard.Holds(output.Length, length, outputName, "the forward output's length");
        }
    }

    /// <summary><c>f(value)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Forward(float value, Activation activation) => activation switch
    {
        Activation.ReLU => ReLUFunction.Forward<ScalarOps, float>(value),
        Activation.Sigmoid => SigmoidFunction.Forward<ScalarOps, float>(value),
        Activation.Tanh => TanhFunction.Forward<ScalarOps, float>(value),
        _ => value,
    };

    /// <summary><c>gradient · f'(x)</c> from the output <c>y = f(x)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Backward(float gradient, float output, Activation activation) => activation switch
    {
        Activation.ReLU => ReLUFunction.Backward<ScalarOps, float>(gradient, output),
        Activation.Sigmoid => SigmoidFunction.Backward<ScalarOps, float>(gradient, output),
        Activation.Tanh => TanhFunction.Backward<ScalarOps, float>(gradient, output),
        _ => gradient,
    };
}
