using System;

namespace StaticGrad.Kernels;

/// <summary>The forward pass of a fully connected layer with its bias and activation fused in.</summary>
public static class LinearForward
{
    /// <summary>
    /// Computes <c>output[batch,outputs] = act(input[batch,inputs] · weight[outputs,inputs]ᵀ + bias)</c>
    /// (PyTorch's <c>nn.Linear</c> followed by the activation). This is <see cref="Gemm.MultiplyTransposeB"/>
    /// with the bias add and the activation fused into the microkernel's store of the last k block, while
    /// the tile is still in registers; a single sample (up to four rows) takes the in-place dot-product path
    /// with the same epilogue. Multithreaded like <see cref="Gemm"/>, with results independent of the thread count.
    /// </summary>
    /// <param name="input">Row-major <c>[batch, inputs]</c>; at least <c>batch·inputs</c> elements.</param>
    /// <param name="weight">Row-major <c>[outputs, inputs]</c> (PyTorch layout); at least <c>outputs·inputs</c> elements.</param>
    /// <param name="bias"><c>[outputs]</c>; at least <c>outputs</c> elements.</param>
    /// <param name="output">Row-major <c>[batch, outputs]</c>; at least <c>batch·outputs</c> elements; overwritten. Must not overlap the other spans.</param>
    /// <param name="batch">Rows; zero or more.</param>
    /// <param name="inputs">Input features; positive.</param>
    /// <param name="outputs">Output features; positive.</param>
    /// <param name="activation">The activation applied after the bias.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension or <paramref name="activation"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or <paramref name="output"/> overlaps an input.</exception>
    public static void Run(
        ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output,
        int batch, int inputs, int outputs, Activation activation)
    {
        KernelGuard.NonNegative(batch, nameof(batch));
        KernelGuard.Positive(inputs, nameof(inputs));
        KernelGuard.Positive(outputs, nameof(outputs));
        KernelGuard.Holds(input.Length, batch, inputs, nameof(input), "batch*inputs");
        KernelGuard.Holds(weight.Length, outputs, inputs, nameof(weight), "outputs*inputs");
        KernelGuard.Holds(bias.Length, outputs, nameof(bias), "outputs");
        KernelGuard.Holds(output.Length, batch, outputs, nameof(output), "batch*outputs");
        KernelGuard.NoOverlap(input, output, nameof(input), nameof(output));
        KernelGuard.NoOverlap(weight, output, nameof(weight), nameof(output));
        KernelGuard.NoOverlap(bias, output, nameof(bias), nameof(output));

        if (activation is not (Activation.None or Activation.ReLU or Activation.Sigmoid or Activation.Tanh))
        {
            KernelGuard.ThrowUnknownActivation(activation);
        }

        Gemm.Run(input, weight, output, bias, batch, inputs, outputs, transposeA: false, transposeB: true, epilogue: true, activation);
    }
}
