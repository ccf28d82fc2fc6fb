using System;
using StaticGrad.Threading;

namespace StaticGrad;

/// <summary>
/// The member type of a <see cref="ConvTranspose2dAttribute"/> layer: views of its <c>weight</c>
/// <c>[in_channels, out_channels/groups, kernel_height, kernel_width]</c> and <c>bias</c> <c>[out_channels]</c> inside the
/// model's <see cref="ParameterSet"/>, its geometry, and the scratch memory its kernel calls share (allocated once, here).
/// </summary>
public sealed class ConvTranspose2d : ConvolutionLayer
{
    /// <summary>Creates the layer; called by generated code.</summary>
    /// <param name="parameters">The model's parameters.</param>
    /// <param name="weight">The weight tensor, <c>[in_channels, out_channels/groups, kernel_height, kernel_width]</c>.</param>
    /// <param name="bias">The bias tensor, <c>[out_channels]</c>, or null for a layer declared with <c>Bias = false</c>.</param>
    /// <param name="height">The input's height; positive.</param>
    /// <param name="width">The input's width; positive.</param>
    /// <param name="stride">The stride along the height and the width; positive.</param>
    /// <param name="padding">The rows and columns taken off each side; zero or more.</param>
    /// <param name="outputPadding">The rows and columns added below and right; below the stride.</param>
    /// <param name="dilation">The dilation along the height and the width; positive.</param>
    /// <param name="groups">The channel groups; positive.</param>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> or <paramref name="weight"/> is null.</exception>
    /// <exception cref="ArgumentException">A shape disagrees with another.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    public ConvTranspose2d(
        ParameterSet parameters, ParameterTensor weight, ParameterTensor? bias, int height, int width,
        (int Height, int Width) stride, (int Height, int Width) padding, (int Height, int Width) outputPadding, (int Height, int Width) dilation, int groups)
        : base(parameters, weight, bias)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        if (weight.Shape.Count != 4 || weight.Shape[0] % groups != 0)
        {
            throw new ArgumentException($"Expected a weight of shape [in_channels (a multiple of {groups}), out_channels/groups, kernel_height, kernel_width], got {weight}.", nameof(weight));
        }

        int outChannels = weight.Shape[1] * groups;
        if (bias is not null && (bias.Shape.Count != 1 || bias.Shape[0] != outChannels))
        {
            throw new ArgumentException($"Expected a bias of shape [{outChannels}], got {bias}.", nameof(bias));
        }

        (OutHeight, OutWidth) = Kernels.ConvTranspose2d.OutputSize(
            height, width, weight.Shape[2], weight.Shape[3], stride.Height, stride.Width, padding.Height, padding.Width, outputPadding.Height, outputPadding.Width,
            dilation.Height, dilation.Width);
        int threads = Math.Min(Math.Max(Parallelism.MaxThreads, Environment.ProcessorCount), Parallelism.ThreadLimit);
        AllocateWorkspace(Kernels.ConvTranspose2d.WorkspaceFloats(
            weight.Shape[0], height, width, outChannels, weight.Shape[2], weight.Shape[3], stride.Height, stride.Width, padding.Height, padding.Width,
            outputPadding.Height, outputPadding.Width, dilation.Height, dilation.Width, groups, threads));
        Height = height;
        Width = width;
        Stride = stride;
        Padding = padding;
        OutputPadding = outputPadding;
        Dilation = dilation;
        Groups = groups;
    }

    /// <summary>The input's channels.</summary>
    public int InChannels => WeightTensor.Shape[0];

    /// <summary>The output's channels.</summary>
    public int OutChannels => WeightTensor.Shape[1] * Groups;

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

    /// <summary>The rows and columns taken off each side.</summary>
    public (int Height, int Width) Padding { get; }

    /// <summary>The rows and columns added below and right.</summary>
    public (int Height, int Width) OutputPadding { get; }

    /// <summary>The dilation along the height and the width.</summary>
    public (int Height, int Width) Dilation { get; }

    /// <summary>The channel groups.</summary>
    public int Groups { get; }

    /// <inheritdoc/>
    public override string ToString()
        => $"ConvTranspose2d({InChannels}, {OutChannels}, kernel_size={KernelSize}, stride={Stride}"
            + (Padding == (0, 0) ? string.Empty : $", padding={Padding}")
            + (Dilation == (1, 1) ? string.Empty : $", dilation={Dilation}")
            + (OutputPadding == (0, 0) ? string.Empty : $", output_padding={OutputPadding}")
            + (Groups == 1 ? string.Empty : $", groups={Groups}")
            + (BiasTensor is null ? ", bias=False)" : ")");
}
