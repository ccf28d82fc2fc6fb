using System;
using StaticGrad.Threading;

namespace StaticGrad.Kernels;

/// <summary>
/// Transposed 2-d convolution, PyTorch's <c>nn.ConvTranspose2d(in, out, kernel, stride, padding, output_padding, groups,
/// bias, dilation)</c>: weight <c>[inChannels, outChannels/groups, kernelHeight, kernelWidth]</c>, output size
/// <c>(H - 1)·stride - 2·padding + dilation·(kernel - 1) + output_padding + 1</c>. It is the input gradient of the
/// convolution from its output back to its input (<c>outChannels</c> to <c>inChannels</c>, the same weight), so its three
/// passes are <see cref="Conv2d"/>'s with the roles exchanged: the forward pass is <see cref="Conv2d.BackwardData"/>, the
/// input gradient <see cref="Conv2d.Forward"/>, the weight gradient <see cref="Conv2d.BackwardWeight"/> of the input
/// against the output gradient; the bias (and a fused ReLU, Sigmoid or Tanh) is added per channel afterwards. The
/// convolution's kernels give the same bits for any thread count and instruction set, so these do too. The output
/// padding must be smaller than the stride (PyTorch also allows it below the dilation at stride 1; not here).
/// </summary>
public static class ConvTranspose2d
{
    /// <summary>The output's height and width; throws when either is not positive or the output padding is not below the stride.</summary>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="kernelHeight">Kernel height; positive.</param>
    /// <param name="kernelWidth">Kernel width; positive.</param>
    /// <param name="strideHeight">Vertical stride; positive.</param>
    /// <param name="strideWidth">Horizontal stride; positive.</param>
    /// <param name="paddingHeight">Rows taken off above and below; zero or more.</param>
    /// <param name="paddingWidth">Columns taken off left and right; zero or more.</param>
    /// <param name="outputPaddingHeight">Rows added below; zero or more, below the vertical stride.</param>
    /// <param name="outputPaddingWidth">Columns added right; zero or more, below the horizontal stride.</param>
    /// <param name="dilationHeight">Vertical kernel dilation; positive.</param>
    /// <param name="dilationWidth">Horizontal kernel dilation; positive.</param>
    /// <returns>The output's height and width.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    public static (int Height, int Width) OutputSize(
        int height, int width, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int paddingHeight, int paddingWidth,
        int outputPaddingHeight, int outputPaddingWidth, int dilationHeight, int dilationWidth)
        => (Axis(height, kernelHeight, strideHeight, paddingHeight, outputPaddingHeight, dilationHeight, nameof(outputPaddingHeight)),
            Axis(width, kernelWidth, strideWidth, paddingWidth, outputPaddingWidth, dilationWidth, nameof(outputPaddingWidth)));

    /// <summary>The floats of the <c>workspace</c> the three passes need: the convolution's (<see cref="Conv2d.WorkspaceFloats"/>) from the output back to the input.</summary>
    /// <param name="inChannels">Input channels; positive, a multiple of <paramref name="groups"/>.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="outChannels">Output channels; positive, a multiple of <paramref name="groups"/>.</param>
    /// <param name="kernelHeight">Kernel height; positive.</param>
    /// <param name="kernelWidth">Kernel width; positive.</param>
    /// <param name="strideHeight">Vertical stride; positive.</param>
    /// <param name="strideWidth">Horizontal stride; positive.</param>
    /// <param name="paddingHeight">Rows taken off above and below; zero or more.</param>
    /// <param name="paddingWidth">Columns taken off left and right; zero or more.</param>
    /// <param name="outputPaddingHeight">Rows added below; below the vertical stride.</param>
    /// <param name="outputPaddingWidth">Columns added right; below the horizontal stride.</param>
    /// <param name="dilationHeight">Vertical kernel dilation; positive.</param>
    /// <param name="dilationWidth">Horizontal kernel dilation; positive.</param>
    /// <param name="groups">Channel groups; positive.</param>
    /// <param name="threads">The most threads the calls should use; 1 to <see cref="Parallelism.ThreadLimit"/>.</param>
    /// <returns>The workspace length in floats.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    /// <exception cref="ArgumentException">A channel count is not a multiple of <paramref name="groups"/>.</exception>
    public static int WorkspaceFloats(
        int inChannels, int height, int width, int outChannels, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
        int paddingHeight, int paddingWidth, int outputPaddingHeight, int outputPaddingWidth, int dilationHeight, int dilationWidth, int groups, int threads)
    {
        (int outHeight, int outWidth) = OutputSize(
            height, width, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, outputPaddingHeight, outputPaddingWidth, dilationHeight, dilationWidth);
        return Conv2d.WorkspaceFloats(
            outChannels, outHeight, outWidth, inChannels, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth, groups, threads);
    }

    /// <summary>The forward pass: <c>output = act(convᵀ(input, weight) + bias)</c>.</summary>
    /// <param name="input"><c>[batch, inChannels, height, width]</c>.</param>
    /// <param name="weight"><c>[inChannels, outChannels/groups, kernelHeight, kernelWidth]</c>.</param>
    /// <param name="bias"><c>[outChannels]</c>, or empty for none.</param>
    /// <param name="output">Receives <c>[batch, outChannels, outHeight, outWidth]</c> (<see cref="OutputSize"/>); must not overlap another span.</param>
    /// <param name="workspace">Scratch of at least <see cref="WorkspaceFloats"/> floats; must not overlap another span.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="inChannels">Input channels; positive, a multiple of <paramref name="groups"/>.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="outChannels">Output channels; positive, a multiple of <paramref name="groups"/>.</param>
    /// <param name="kernelHeight">Kernel height; positive.</param>
    /// <param name="kernelWidth">Kernel width; positive.</param>
    /// <param name="strideHeight">Vertical stride; positive.</param>
    /// <param name="strideWidth">Horizontal stride; positive.</param>
    /// <param name="paddingHeight">Rows taken off above and below; zero or more.</param>
    /// <param name="paddingWidth">Columns taken off left and right; zero or more.</param>
    /// <param name="outputPaddingHeight">Rows added below; below the vertical stride.</param>
    /// <param name="outputPaddingWidth">Columns added right; below the horizontal stride.</param>
    /// <param name="dilationHeight">Vertical kernel dilation; positive.</param>
    /// <param name="dilationWidth">Horizontal kernel dilation; positive.</param>
    /// <param name="groups">Channel groups; positive.</param>
    /// <param name="activation">Applied after the bias: None, ReLU, Sigmoid or Tanh.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension or <paramref name="activation"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps another, or a channel count is not a multiple of <paramref name="groups"/>.</exception>
    public static void Forward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, Span<float> workspace,
        int batch, int inChannels, int height, int width, int outChannels, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
        int paddingHeight, int paddingWidth, int outputPaddingHeight, int outputPaddingWidth, int dilationHeight, int dilationWidth, int groups,
        Activation activation)
    {
        (int outHeight, int outWidth) = OutputSize(
            height, width, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, outputPaddingHeight, outputPaddingWidth, dilationHeight, dilationWidth);
        NormEpilogue.Check(activation, output, output.Length, nameof(output));
        CheckSpans(input, nameof(input), output, nameof(output), weight, batch, inChannels, height, width, outChannels, outHeight, outWidth, kernelHeight, kernelWidth, groups);
        if (!bias.IsEmpty)
        {
            KernelGuard.Holds(bias.Length, outChannels, nameof(bias), "outChannels");
        }

        Conv2d.BackwardData(
            input, weight, output, workspace, batch, outChannels, outHeight, outWidth, inChannels, kernelHeight, kernelWidth, strideHeight, strideWidth,
            paddingHeight, paddingWidth, dilationHeight, dilationWidth, groups);
        if (!bias.IsEmpty || activation != Activation.None)
        {
            int plane = outHeight * outWidth;
            for (int p = 0; p < batch * outChannels; p++)
            {
                float b = bias.IsEmpty ? 0f : bias[p % outChannels];
                Span<float> y = output.Slice(p * plane, plane);
                for (int i = 0; i < plane; i++)
                {
                    y[i] = NormEpilogue.Forward(y[i] + b, activation);
                }
            }
        }
    }

    /// <summary>The input gradient: <c>inputGradient = conv(outputGradient, weight)</c>, overwritten.</summary>
    /// <param name="outputGradient">dL/d(output), <c>[batch, outChannels, outHeight, outWidth]</c>, taken after any activation's derivative.</param>
    /// <param name="weight"><c>[inChannels, outChannels/groups, kernelHeight, kernelWidth]</c>.</param>
    /// <param name="inputGradient">Receives dL/d(input), <c>[batch, inChannels, height, width]</c>; must not overlap another span.</param>
    /// <param name="workspace">Scratch of at least <see cref="WorkspaceFloats"/> floats; must not overlap another span.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernelHeight">Kernel height.</param>
    /// <param name="kernelWidth">Kernel width.</param>
    /// <param name="strideHeight">Vertical stride.</param>
    /// <param name="strideWidth">Horizontal stride.</param>
    /// <param name="paddingHeight">Rows taken off above and below.</param>
    /// <param name="paddingWidth">Columns taken off left and right.</param>
    /// <param name="outputPaddingHeight">Rows added below.</param>
    /// <param name="outputPaddingWidth">Columns added right.</param>
    /// <param name="dilationHeight">Vertical kernel dilation.</param>
    /// <param name="dilationWidth">Horizontal kernel dilation.</param>
    /// <param name="groups">Channel groups.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps another, or a channel count is not a multiple of <paramref name="groups"/>.</exception>
    public static void BackwardData(
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> weight, Span<float> inputGradient, Span<float> workspace,
        int batch, int inChannels, int height, int width, int outChannels, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
        int paddingHeight, int paddingWidth, int outputPaddingHeight, int outputPaddingWidth, int dilationHeight, int dilationWidth, int groups)
    {
        (int outHeight, int outWidth) = OutputSize(
            height, width, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, outputPaddingHeight, outputPaddingWidth, dilationHeight, dilationWidth);
        CheckSpans(inputGradient, nameof(inputGradient), outputGradient, nameof(outputGradient), weight, batch, inChannels, height, width, outChannels, outHeight, outWidth, kernelHeight, kernelWidth, groups);
        Conv2d.Forward(
            outputGradient, weight, ReadOnlySpan<float>.Empty, inputGradient, workspace, batch, outChannels, outHeight, outWidth, inChannels,
            kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth, groups, Activation.None);
    }

    /// <summary>The weight and bias gradients, overwritten: <c>Σ</c> over the batch of the input against the output gradient, and the output gradient's channel sums.</summary>
    /// <param name="outputGradient">dL/d(output), <c>[batch, outChannels, outHeight, outWidth]</c>, taken after any activation's derivative.</param>
    /// <param name="input">The forward pass's input, <c>[batch, inChannels, height, width]</c>.</param>
    /// <param name="weightGradient">Receives <c>[inChannels, outChannels/groups, kernelHeight, kernelWidth]</c>; must not overlap another span.</param>
    /// <param name="biasGradient">Receives <c>[outChannels]</c>, or empty (no bias).</param>
    /// <param name="workspace">Scratch of at least <see cref="WorkspaceFloats"/> floats; must not overlap another span.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernelHeight">Kernel height.</param>
    /// <param name="kernelWidth">Kernel width.</param>
    /// <param name="strideHeight">Vertical stride.</param>
    /// <param name="strideWidth">Horizontal stride.</param>
    /// <param name="paddingHeight">Rows taken off above and below.</param>
    /// <param name="paddingWidth">Columns taken off left and right.</param>
    /// <param name="outputPaddingHeight">Rows added below.</param>
    /// <param name="outputPaddingWidth">Columns added right.</param>
    /// <param name="dilationHeight">Vertical kernel dilation.</param>
    /// <param name="dilationWidth">Horizontal kernel dilation.</param>
    /// <param name="groups">Channel groups.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps another, or a channel count is not a multiple of <paramref name="groups"/>.</exception>
    public static void BackwardWeight(
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> input, Span<float> weightGradient, Span<float> biasGradient, Span<float> workspace,
        int batch, int inChannels, int height, int width, int outChannels, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
        int paddingHeight, int paddingWidth, int outputPaddingHeight, int outputPaddingWidth, int dilationHeight, int dilationWidth, int groups)
    {
        (int outHeight, int outWidth) = OutputSize(
            height, width, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, outputPaddingHeight, outputPaddingWidth, dilationHeight, dilationWidth);
        CheckSpans(input, nameof(input), outputGradient, nameof(outputGradient), weightGradient, batch, inChannels, height, width, outChannels, outHeight, outWidth, kernelHeight, kernelWidth, groups);
        Conv2d.BackwardWeight(
            input, outputGradient, weightGradient, Span<float>.Empty, workspace, batch, outChannels, outHeight, outWidth, inChannels,
            kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth, groups);
        if (biasGradient.IsEmpty)
        {
            return;
        }

        KernelGuard.Holds(biasGradient.Length, outChannels, nameof(biasGradient), "outChannels");
        int plane = outHeight * outWidth;
        biasGradient.Slice(0, outChannels).Clear();
        for (int p = 0; p < batch * outChannels; p++)
        {
            // Each plane summed in double in order, then added to its channel's total in sample order.
            ReadOnlySpan<float> g = outputGradient.Slice(p * plane, plane);
            double sum = 0;
            for (int i = 0; i < plane; i++)
            {
                sum += g[i];
            }

            biasGradient[p % outChannels] += (float)sum;
        }
    }

    /// <summary>
    /// The lengths of an input-sized span, an output-sized span and a weight-sized one, checked under this kernel's names
    /// before the convolution's kernels (whose own names are the other way round) see them.
    /// </summary>
    private static void CheckSpans(
        ReadOnlySpan<float> inputSized, string inputName, ReadOnlySpan<float> outputSized, string outputName, ReadOnlySpan<float> weight,
        int batch, int inChannels, int height, int width, int outChannels, int outHeight, int outWidth, int kernelHeight, int kernelWidth, int groups)
    {
        KernelGuard.NonNegative(batch, nameof(batch));
        KernelGuard.Positive(inChannels, nameof(inChannels));
        KernelGuard.Positive(outChannels, nameof(outChannels));
        KernelGuard.Positive(groups, nameof(groups));
        if (inChannels % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentException($"Expected channel counts divisible by {groups} groups, got {inChannels} in and {outChannels} out.", nameof(groups));
        }

        KernelGuard.Holds(inputSized.Length, batch, KernelGuard.Product(nameof(width), "inChannels*height*width", inChannels, height, width), inputName, "batch*inChannels*height*width");
        KernelGuard.Holds(outputSized.Length, batch, KernelGuard.Product(nameof(outWidth), "outChannels*outHeight*outWidth", outChannels, outHeight, outWidth), outputName, "batch*outChannels*outHeight*outWidth");
        KernelGuard.Holds(weight.Length, inChannels, KernelGuard.Product(nameof(kernelWidth), "(outChannels/groups)*kernelHeight*kernelWidth", outChannels / groups, kernelHeight, kernelWidth), "weight", "inChannels*(outChannels/groups)*kernelHeight*kernelWidth");
    }

    private static int Axis(int size, int kernel, int stride, int padding, int outputPadding, int dilation, string outputPaddingName)
    {
        KernelGuard.Positive(size, "height and width");
        KernelGuard.Positive(kernel, "kernel");
        KernelGuard.Positive(stride, "stride");
        KernelGuard.NonNegative(padding, "padding");
        KernelGuard.Positive(dilation, "dilation");
        if (outputPadding < 0 || outputPadding >= stride)
        {
            throw new ArgumentOutOfRangeException(outputPaddingName, outputPadding, $"Expected an output padding from 0 to the stride less one ({stride - 1}).");
        }

        long output = ((long)(size - 1) * stride) - (2L * padding) + ((long)dilation * (kernel - 1)) + outputPadding + 1;
        if (output <= 0 || output > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(
                "padding", padding, $"Expected an output size from 1 to {int.MaxValue}: (size - 1)·stride - 2·padding + dilation·(kernel - 1) + output padding + 1 = {output}.");
        }

        return (int)output;
    }
}
