using System;
using StaticGrad.Threading;

namespace StaticGrad;

/// <summary>
/// The member type of a <see cref="Conv2dAttribute"/> layer: views of its <c>weight</c>
/// <c>[out_channels, in_channels/groups, kernel_height, kernel_width]</c> and <c>bias</c> <c>[out_channels]</c> inside the model's
/// <see cref="ParameterSet"/>, its geometry, and the scratch memory its kernel calls share (allocated once, here).
/// </summary>
public sealed class Conv2d : ConvolutionLayer
{
    /// <summary>Creates the layer; called by generated code.</summary>
    /// <param name="parameters">The model's parameters.</param>
    /// <param name="weight">The weight tensor, <c>[out_channels, in_channels/groups, kernel_height, kernel_width]</c>.</param>
    /// <param name="bias">The bias tensor, <c>[out_channels]</c>, or null for a layer declared with <c>Bias = false</c>.</param>
    /// <param name="inChannels">The input's channels; a positive multiple of <paramref name="groups"/>.</param>
    /// <param name="height">The input's height; positive.</param>
    /// <param name="width">The input's width; positive.</param>
    /// <param name="stride">The stride along the height and the width; positive.</param>
    /// <param name="padding">The padding on each side, along the height and the width; zero or more.</param>
    /// <param name="dilation">The dilation along the height and the width; positive.</param>
    /// <param name="groups">The channel groups; positive.</param>
    /// <param name="samePadding">Whether <paramref name="padding"/> is PyTorch's <c>padding='same'</c> (for <see cref="ToString"/>).</param>
    /// <param name="paddingMode">What the padding holds (PyTorch's <c>padding_mode</c>); other than zeros, the kernels convolve a padded copy without padding.</param>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> or <paramref name="weight"/> is null.</exception>
    /// <exception cref="ArgumentException">A shape disagrees with another, or the kernel does not fit the padded input.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    public Conv2d(
        ParameterSet parameters, ParameterTensor weight, ParameterTensor? bias, int inChannels, int height, int width,
        (int Height, int Width) stride, (int Height, int Width) padding, (int Height, int Width) dilation, int groups, bool samePadding = false,
        PaddingMode paddingMode = PaddingMode.Zeros)
        : base(parameters, weight, bias)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        if (weight.Shape.Count != 4 || weight.Shape[1] * groups != inChannels)
        {
            throw new ArgumentException($"Expected a weight of shape [out_channels, {inChannels / Math.Max(groups, 1)}, kernel_height, kernel_width], got {weight}.", nameof(weight));
        }

        if (bias is not null && (bias.Shape.Count != 1 || bias.Shape[0] != weight.Shape[0]))
        {
            throw new ArgumentException($"Expected a bias of shape [{weight.Shape[0]}], got {bias}.", nameof(bias));
        }

        (int kernelHeight, int kernelWidth) = (weight.Shape[2], weight.Shape[3]);

        // padding='same' with an odd total along an axis: the kernels convolve a copy with the odd row or column at its end.
        EndPadding = samePadding ? ((dilation.Height * (kernelHeight - 1)) % 2, (dilation.Width * (kernelWidth - 1)) % 2) : (0, 0);
        if (!Enum.IsDefined(paddingMode))
        {
            throw new ArgumentOutOfRangeException(nameof(paddingMode), paddingMode, "Expected Zeros, Reflect, Replicate or Circular.");
        }

        // Other than zeros, the padding is a padded copy the kernels convolve without padding, as PyTorch does.
        (int Height, int Width) convolvedPadding = paddingMode == PaddingMode.Zeros ? padding : (0, 0);
        (int Height, int Width) copied = paddingMode == PaddingMode.Zeros ? (0, 0) : (2 * padding.Height, 2 * padding.Width);
        (int convolvedHeight, int convolvedWidth) = (height + copied.Height + EndPadding.Height, width + copied.Width + EndPadding.Width);
        int threads = Math.Min(Math.Max(Parallelism.MaxThreads, Environment.ProcessorCount), Parallelism.ThreadLimit);
        AllocateWorkspace(Kernels.Conv2d.WorkspaceFloats(
            inChannels, convolvedHeight, convolvedWidth, weight.Shape[0], kernelHeight, kernelWidth, stride.Height, stride.Width, convolvedPadding.Height, convolvedPadding.Width,
            dilation.Height, dilation.Width, groups, threads));
        InChannels = inChannels;
        Height = height;
        Width = width;
        Stride = stride;
        Padding = padding;
        Dilation = dilation;
        Groups = groups;
        SamePadding = samePadding;
        PaddingMode = paddingMode;
        OutHeight = Kernels.SlidingWindow.OutputSize(convolvedHeight, kernelHeight, stride.Height, convolvedPadding.Height, dilation.Height);
        OutWidth = Kernels.SlidingWindow.OutputSize(convolvedWidth, kernelWidth, stride.Width, convolvedPadding.Width, dilation.Width);
    }

    /// <summary>The input's channels.</summary>
    public int InChannels { get; }

    /// <summary>The output's channels.</summary>
    public int OutChannels => WeightTensor.Shape[0];

    /// <summary>The kernel's height and width (PyTorch's <c>kernel_size</c>).</summary>
    public (int Height, int Width) KernelSize => (WeightTensor.Shape[2], WeightTensor.Shape[3]);

    /// <summary>The input's height.</summary>
    public int Height { get; }

    /// <summary>The input's width.</summary>
    public int Width { get; }

    /// <summary>The output's height.</summary>
    public int OutHeight { get; }

    /// <summary>The output's width.</summary>
    public int OutWidth { get; }

    /// <summary>The stride along the height and the width.</summary>
    public (int Height, int Width) Stride { get; }

    /// <summary>The padding on each side, along the height and the width (with <see cref="SamePadding"/>, the part on both sides); what it holds is <see cref="PaddingMode"/>.</summary>
    public (int Height, int Width) Padding { get; }

    /// <summary>
    /// The rows below and columns right beyond <see cref="Padding"/>: 1 along an axis where <see cref="SamePadding"/>
    /// needs an odd total (<c>dilation·(kernel - 1)</c>), which PyTorch puts at the end; else 0.
    /// </summary>
    public (int Height, int Width) EndPadding { get; }

    /// <summary>Whether <see cref="Padding"/> is PyTorch's <c>padding='same'</c>.</summary>
    public bool SamePadding { get; }

    /// <summary>What the padding holds, PyTorch's <c>padding_mode</c>.</summary>
    public PaddingMode PaddingMode { get; }

    /// <summary>The dilation along the height and the width.</summary>
    public (int Height, int Width) Dilation { get; }

    /// <summary>The channel groups.</summary>
    public int Groups { get; }

    /// <inheritdoc/>
    public override string ToString()
        => $"Conv2d({InChannels}, {OutChannels}, kernel_size={KernelSize}, stride={Stride}"
            + (SamePadding ? ", padding=same" : Padding == (0, 0) ? string.Empty : $", padding={Padding}")
            + (Dilation == (1, 1) ? string.Empty : $", dilation={Dilation}")
            + (Groups == 1 ? string.Empty : $", groups={Groups}")
            + (BiasTensor is null ? ", bias=False" : string.Empty)
            + (PaddingMode == PaddingMode.Zeros ? ")" : $", padding_mode={PaddingMode.ToString().ToLowerInvariant()})");
}
