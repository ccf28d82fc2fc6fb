using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>The sliding-window arithmetic the convolution and pooling ops share, as PyTorch computes it (floor mode, or the pools' ceil mode).</summary>
internal static class ImageGeometry
{
    /// <summary>
    /// <c>(size + 2·padding - dilation·(kernel - 1) - 1) / stride + 1</c>, or a value below 1 when the dilated kernel is
    /// larger than the padded input (the division floors, as PyTorch's does). With <paramref name="ceilMode"/> it rounds
    /// up, less a last window that would start past the input and its leading padding (PyTorch's
    /// <c>pooling_output_shape</c>).
    /// </summary>
    public static long OutputSize(int size, int kernel, int stride, int padding, int dilation, bool ceilMode = false)
    {
        long span = (long)size + (2L * padding) - ((long)dilation * (kernel - 1)) - 1;
        if (span < 0)
        {
            return 0;
        }

        long output = ((span + (ceilMode ? stride - 1 : 0)) / stride) + 1;
        return ceilMode && (output - 1) * stride >= (long)size + padding ? output - 1 : output;
    }

    /// <summary>
    /// Why a window does not fit an image (with the computed sizes), or null when both output sizes are positive.
    /// </summary>
    public static string? WindowProblem(TensorShape input, int kernel, int stride, int padding, int dilation, bool ceilMode = false)
    {
        long height = OutputSize(input.Height, kernel, stride, padding, dilation, ceilMode);
        long width = OutputSize(input.Width, kernel, stride, padding, dilation, ceilMode);
        if (height >= 1 && width >= 1)
        {
            return null;
        }

        long dilated = ((long)dilation * (kernel - 1)) + 1;
        return $"its {(dilation == 1 ? string.Empty : "dilated ")}kernel spans {Format(dilated)} x {Format(dilated)} but the padded input is "
            + $"{Format(input.Height + (2L * padding))} x {Format(input.Width + (2L * padding))}, so the output would be {Format(height)} x {Format(width)}";
    }

    /// <summary>The output image of a window op.</summary>
    public static TensorShape Output(TensorShape input, int channels, int kernel, int stride, int padding, int dilation, bool ceilMode = false)
        => TensorShape.Image(
            channels,
            (int)System.Math.Max(1, OutputSize(input.Height, kernel, stride, padding, dilation, ceilMode)),
            (int)System.Math.Max(1, OutputSize(input.Width, kernel, stride, padding, dilation, ceilMode)));

    /// <summary>
    /// Reports the first window option out of range at the attribute (kernel, stride and dilation positive, padding from
    /// 0 to <paramref name="maxPadding"/>) and returns false, or returns true.
    /// </summary>
    public static bool CheckOptions(AttributeReader r, int kernel, int stride, int padding, int dilation, int maxPadding)
    {
        if (kernel <= 0)
        {
            r.InvalidArgument("kernelSize", Format(kernel), "it must be positive");
            return false;
        }

        if (stride <= 0)
        {
            r.InvalidArgument("Stride", Format(stride), "it must be positive");
            return false;
        }

        if (padding < 0 || padding > maxPadding)
        {
            r.InvalidArgument("Padding", Format(padding), maxPadding == int.MaxValue ? "it must be zero or more" : $"it must be from 0 to half the kernel size ({Format(maxPadding)}), as in PyTorch");
            return false;
        }

        if (dilation <= 0)
        {
            r.InvalidArgument("Dilation", Format(dilation), "it must be positive");
            return false;
        }

        return true;
    }

    /// <summary>The named <c>inputSize</c> argument of the ONNX builder's pools in ceil mode: <c>, inputSize: (h, w)</c>.</summary>
    public static string InputSizeArgument(TensorShape input)
        => $", inputSize: ({Format(input.Height)}, {Format(input.Width)})";

    /// <summary>The window options as PyTorch prints them, leaving out defaults (<c>kernel_size=5, padding=2</c>).</summary>
    public static string Options(int kernel, int stride, int defaultStride, int padding, int dilation, bool ceilMode = false)
        => $"kernel_size={Format(kernel)}"
            + (stride == defaultStride ? string.Empty : $", stride={Format(stride)}")
            + (padding == 0 ? string.Empty : $", padding={Format(padding)}")
            + (dilation == 1 ? string.Empty : $", dilation={Format(dilation)}")
            + (ceilMode ? ", ceil_mode=True" : string.Empty);

    private static string Format(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
