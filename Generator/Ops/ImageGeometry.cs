using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>The sliding-window arithmetic the convolution and pooling ops share, as PyTorch computes it (floor mode, or the pools' ceil mode), and the adaptive pools' output size.</summary>
internal static class ImageGeometry
{
    /// <summary>
    /// The output size of an adaptive pool, <c>(outputSize)</c> or <c>(outputHeight, outputWidth)</c>; null after
    /// reporting a size below 1.
    /// </summary>
    public static (int Height, int Width)? AdaptiveOutputSize(AttributeReader r)
    {
        int height = r.Int("outputSize", 0, 0), width = r.Int("outputWidth", 1, height);
        foreach ((string name, int size) in new[] { (width == height ? "outputSize" : "outputHeight", height), ("outputWidth", width) })
        {
            if (size <= 0)
            {
                r.InvalidArgument(name, AttributeReader.Format(size), "it must be positive");
                return null;
            }
        }

        return (height, width);
    }

    /// <summary>
    /// <c>(size + 2·padding - dilation·(kernel - 1) - 1) / stride + 1</c>, or a value below 1 when the dilated kernel is
    /// larger than the padded input (the division floors, as PyTorch's does). With <paramref name="ceilMode"/> it rounds
    /// up, less a last window that would start past the input and its leading padding (PyTorch's
    /// <c>pooling_output_shape</c>), so a kernel up to <c>stride - 1</c> longer than the padded input has one window.
    /// </summary>
    public static long OutputSize(int size, int kernel, int stride, int padding, int dilation, bool ceilMode = false)
    {
        long positions = (long)size + (2L * padding) - ((long)dilation * (kernel - 1)) - 1 + (ceilMode ? stride - 1 : 0);
        if (positions < 0)
        {
            return 0;
        }

        long output = (positions / stride) + 1;
        return ceilMode && (output - 1) * stride >= (long)size + padding ? output - 1 : output;
    }

    /// <summary>
    /// Why a window does not fit an image (with the computed sizes), or null when both output sizes are positive.
    /// </summary>
    public static string? WindowProblem(TensorShape input, Window2d window, bool ceilMode = false)
    {
        long paddedHeight = input.Height + (2L * window.PaddingHeight), paddedWidth = input.Width + (2L * window.PaddingWidth);
        long height = OutputHeight(input, window, ceilMode);
        long width = OutputWidth(input, window, ceilMode);
        if (height >= 1 && width >= 1 && height <= int.MaxValue && width <= int.MaxValue && height * width <= int.MaxValue)
        {
            // A padding of billions with a kernel as wide: an output of ordinary size, but the kernels index the padded
            // input with int offsets.
            return paddedHeight > int.MaxValue || paddedWidth > int.MaxValue
                ? $"its padded input is {OpEmitContext.Long(paddedHeight)} x {OpEmitContext.Long(paddedWidth)}, more than an image's side can be ({OpEmitContext.Int(int.MaxValue)})"
                : null;
        }

        if (height >= 1 && width >= 1)
        {
            // A padding of billions: the output plane would not fit an int (its sizes wrapped to negative numbers).
            return $"its padded input is {OpEmitContext.Long(paddedHeight)} x {OpEmitContext.Long(paddedWidth)}, "
                + $"so the output would be {OpEmitContext.Long(height)} x {OpEmitContext.Long(width)}, more than an image plane holds";
        }

        long dilatedHeight = ((long)window.DilationHeight * (window.KernelHeight - 1)) + 1;
        long dilatedWidth = ((long)window.DilationWidth * (window.KernelWidth - 1)) + 1;
        bool dilated = window.DilationHeight != 1 || window.DilationWidth != 1;
        return $"its {(dilated ? "dilated " : string.Empty)}kernel spans {OpEmitContext.Long(dilatedHeight)} x {OpEmitContext.Long(dilatedWidth)} but the padded input is "
            + $"{OpEmitContext.Long(paddedHeight)} x {OpEmitContext.Long(paddedWidth)}, so the output would be {OpEmitContext.Long(height)} x {OpEmitContext.Long(width)}";
    }

    /// <summary>The output image of a window op.</summary>
    public static TensorShape Output(TensorShape input, int channels, Window2d window, bool ceilMode = false)
        => TensorShape.Image(
            channels,
            (int)System.Math.Max(1, OutputHeight(input, window, ceilMode)),
            (int)System.Math.Max(1, OutputWidth(input, window, ceilMode)));

    /// <summary>The named <c>inputSize</c> argument of the ONNX builder's pools in ceil mode: <c>, inputSize: (h, w)</c>.</summary>
    public static string InputSizeArgument(TensorShape input)
        => $", inputSize: ({OpEmitContext.Int(input.Height)}, {OpEmitContext.Int(input.Width)})";

    private static long OutputHeight(TensorShape input, Window2d w, bool ceilMode)
        => OutputSize(input.Height, w.KernelHeight, w.StrideHeight, w.PaddingHeight, w.DilationHeight, ceilMode);

    private static long OutputWidth(TensorShape input, Window2d w, bool ceilMode)
        => OutputSize(input.Width, w.KernelWidth, w.StrideWidth, w.PaddingWidth, w.DilationWidth, ceilMode);
}
