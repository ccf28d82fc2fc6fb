using System;
using StaticGrad.Onnx.Proto;

namespace StaticGrad.Onnx;

/// <summary>The layer ops: each returns the name of the tensor it produces (its <c>output</c> argument when given).</summary>
public sealed partial class OnnxGraphBuilder
{
    /// <summary>
    /// <c>nn.Linear</c>: <c>Gemm(x, W, b, transB=1)</c>, <c>y = x·Wᵀ + b</c> with <c>W</c> in PyTorch's <c>[out, in]</c> layout.
    /// </summary>
    /// <param name="input">A <c>[batch, in]</c> tensor.</param>
    /// <param name="weight">The <c>[out, in]</c> weight (an initializer such as <c>fc1.weight</c>).</param>
    /// <param name="bias">The <c>[out]</c> bias, or null for a layer without one.</param>
    /// <param name="output">The output tensor's name, or null for a generated one.</param>
    /// <returns>The <c>[batch, out]</c> output.</returns>
    public string Gemm(string input, string weight, string? bias, string? output = null)
        => Node("Gemm", bias is null ? [input, weight] : [input, weight, bias], [AttributeProto.Of("transB", 1L)], output);

    /// <summary>
    /// <c>nn.Conv2d</c>: <c>Conv</c> over NCHW with symmetric padding (<c>pads = [ph, pw, ph, pw]</c>), plus
    /// <paramref name="endPadding"/> more rows and columns after (PyTorch's <c>padding='same'</c> for an even kernel).
    /// </summary>
    /// <param name="input">A <c>[batch, inChannels, height, width]</c> tensor.</param>
    /// <param name="weight">The <c>[outChannels, inChannels/groups, kh, kw]</c> weight.</param>
    /// <param name="bias">The <c>[outChannels]</c> bias, or null.</param>
    /// <param name="kernel">The kernel's height and width.</param>
    /// <param name="stride">The strides.</param>
    /// <param name="padding">The zero padding on each side.</param>
    /// <param name="dilation">The kernel dilations.</param>
    /// <param name="groups">The channel groups.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <param name="endPadding">Zero rows below and columns right beyond <paramref name="padding"/>; zero or more.</param>
    /// <returns>The <c>[batch, outChannels, outHeight, outWidth]</c> output.</returns>
    public string Conv(
        string input, string weight, string? bias, (int Height, int Width) kernel, (int Height, int Width) stride, (int Height, int Width) padding,
        (int Height, int Width) dilation, int groups = 1, string? output = null, (int Height, int Width) endPadding = default) => Operation(() =>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        ArgumentOutOfRangeException.ThrowIfNegative(endPadding.Height, nameof(endPadding));
        ArgumentOutOfRangeException.ThrowIfNegative(endPadding.Width, nameof(endPadding));
        return Node(
            "Conv",
            bias is null ? [input, weight] : [input, weight, bias],
            [
                AttributeProto.Of("kernel_shape", Pair(kernel)), AttributeProto.Of("strides", Pair(stride)), AttributeProto.Of("pads", Pads(padding, endPadding)),
                AttributeProto.Of("dilations", Pair(dilation)), AttributeProto.Of("group", (long)groups),
            ],
            output);
    });

    /// <summary>
    /// <c>nn.ConvTranspose2d</c>: <c>ConvTranspose</c> over NCHW with the weight in PyTorch's
    /// <c>[inChannels, outChannels/groups, kh, kw]</c> layout (ONNX's too), symmetric <c>pads</c> and <c>output_padding</c>.
    /// </summary>
    /// <param name="input">A <c>[batch, inChannels, height, width]</c> tensor.</param>
    /// <param name="weight">The <c>[inChannels, outChannels/groups, kh, kw]</c> weight.</param>
    /// <param name="bias">The <c>[outChannels]</c> bias, or null.</param>
    /// <param name="kernel">The kernel's height and width.</param>
    /// <param name="stride">The strides.</param>
    /// <param name="padding">The rows and columns taken off each side.</param>
    /// <param name="outputPadding">The rows and columns added below and right.</param>
    /// <param name="dilation">The kernel dilations.</param>
    /// <param name="groups">The channel groups.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The <c>[batch, outChannels, outHeight, outWidth]</c> output.</returns>
    public string ConvTranspose(
        string input, string weight, string? bias, (int Height, int Width) kernel, (int Height, int Width) stride, (int Height, int Width) padding,
        (int Height, int Width) outputPadding, (int Height, int Width) dilation, int groups = 1, string? output = null) => Operation(() =>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        ArgumentOutOfRangeException.ThrowIfNegative(outputPadding.Height, nameof(outputPadding));
        ArgumentOutOfRangeException.ThrowIfNegative(outputPadding.Width, nameof(outputPadding));
        return Node(
            "ConvTranspose",
            bias is null ? [input, weight] : [input, weight, bias],
            [
                AttributeProto.Of("kernel_shape", Pair(kernel)), AttributeProto.Of("strides", Pair(stride)), AttributeProto.Of("pads", Pads(padding)),
                AttributeProto.Of("output_padding", new long[] { outputPadding.Height, outputPadding.Width }), AttributeProto.Of("dilations", Pair(dilation)),
                AttributeProto.Of("group", (long)groups),
            ],
            output);
    });

    /// <summary>
    /// <c>nn.Upsample(scale_factor=(sh, sw), mode='nearest')</c> with whole factors: <c>Resize</c> in nearest mode with
    /// <c>asymmetric</c> coordinates and <c>floor</c> rounding, which pick PyTorch's source pixel <c>⌊i / sh⌋</c>.
    /// </summary>
    /// <param name="input">A <c>[batch, channels, height, width]</c> tensor.</param>
    /// <param name="scale">The vertical and horizontal factors; positive.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The <c>[batch, channels, height · sh, width · sw]</c> output.</returns>
    public string UpsampleNearest(string input, (int Height, int Width) scale, string? output = null) => Operation(() =>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale.Height, nameof(scale));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale.Width, nameof(scale));
        string scales = Initializer(NewTensorName("scales"), [1f, 1f, scale.Height, scale.Width], 4);
        return Node(
            "Resize",
            [input, string.Empty, scales],
            [AttributeProto.Of("mode", "nearest"), AttributeProto.Of("coordinate_transformation_mode", "asymmetric"), AttributeProto.Of("nearest_mode", "floor")],
            output);
    });

    /// <summary>
    /// <c>nn.Upsample(scale_factor=(sh, sw), mode='bilinear', align_corners=...)</c> with whole factors: <c>Resize</c> in
    /// linear mode, with <c>align_corners</c> coordinates or PyTorch's half-pixel ones (<c>pytorch_half_pixel</c>, what
    /// PyTorch's own exporter writes).
    /// </summary>
    /// <param name="input">A <c>[batch, channels, height, width]</c> tensor.</param>
    /// <param name="scale">The vertical and horizontal factors; positive.</param>
    /// <param name="alignCorners">PyTorch's <c>align_corners</c>.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The <c>[batch, channels, height · sh, width · sw]</c> output.</returns>
    public string UpsampleBilinear(string input, (int Height, int Width) scale, bool alignCorners, string? output = null) => Operation(() =>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale.Height, nameof(scale));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale.Width, nameof(scale));
        string scales = Initializer(NewTensorName("scales"), [1f, 1f, scale.Height, scale.Width], 4);
        return Node(
            "Resize",
            [input, string.Empty, scales],
            [AttributeProto.Of("mode", "linear"), AttributeProto.Of("coordinate_transformation_mode", alignCorners ? "align_corners" : "pytorch_half_pixel")],
            output);
    });

    /// <summary>
    /// <c>nn.Upsample(size=(oh, ow), mode='nearest')</c>: <c>Resize</c> to the batch and channels of the input (<c>Shape</c>,
    /// <c>Slice</c>) and the given height and width, in nearest mode with <c>asymmetric</c> coordinates and <c>floor</c>
    /// rounding, PyTorch's source pixel <c>⌊i · in / out⌋</c> (what PyTorch's own exporter writes).
    /// </summary>
    /// <param name="input">A <c>[batch, channels, height, width]</c> tensor.</param>
    /// <param name="size">The output height and width; positive.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The <c>[batch, channels, oh, ow]</c> output.</returns>
    public string UpsampleNearestToSize(string input, (int Height, int Width) size, string? output = null) => Operation(() => Node(
        "Resize",
        [input, string.Empty, string.Empty, ResizeSizes(input, size)],
        [AttributeProto.Of("mode", "nearest"), AttributeProto.Of("coordinate_transformation_mode", "asymmetric"), AttributeProto.Of("nearest_mode", "floor")],
        output));

    /// <summary>
    /// <c>nn.Upsample(size=(oh, ow), mode='bilinear', align_corners=...)</c>: <c>Resize</c> in linear mode to the given height
    /// and width (see <see cref="UpsampleNearestToSize"/>), with <c>align_corners</c> or <c>half_pixel</c> coordinates:
    /// <c>pytorch_half_pixel</c> reads input 0 for an output side of 1, where PyTorch reads the middle, <c>in / 2 - 0.5</c>;
    /// for longer sides the two are the same.
    /// </summary>
    /// <param name="input">A <c>[batch, channels, height, width]</c> tensor.</param>
    /// <param name="size">The output height and width; positive.</param>
    /// <param name="alignCorners">PyTorch's <c>align_corners</c>.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The <c>[batch, channels, oh, ow]</c> output.</returns>
    public string UpsampleBilinearToSize(string input, (int Height, int Width) size, bool alignCorners, string? output = null) => Operation(() => Node(
        "Resize",
        [input, string.Empty, string.Empty, ResizeSizes(input, size)],
        [AttributeProto.Of("mode", "linear"), AttributeProto.Of("coordinate_transformation_mode", alignCorners ? "align_corners" : "half_pixel")],
        output));

    /// <summary><c>Resize</c>'s <c>sizes</c>: the input's batch and channels (known only at run time), then the given height and width.</summary>
    private string ResizeSizes(string input, (int Height, int Width) size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size.Height, nameof(size));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size.Width, nameof(size));
        string leading = AxisSlice(Node("Shape", [input], []), 0, 0, 2);
        string spatial = Int64Initializer(NewTensorName("size"), [size.Height, size.Width], 2);
        return Node("Concat", [leading, spatial], [AttributeProto.Of("axis", 0L)]);
    }

    /// <summary>
    /// <c>nn.ZeroPad2d((left, right, top, bottom))</c>: <c>Pad</c> with zeros over the last two axes (a negative amount removes
    /// rows or columns, as ONNX's <c>Pad</c> and PyTorch both do).
    /// </summary>
    /// <param name="input">A <c>[batch, channels, height, width]</c> tensor.</param>
    /// <param name="left">Columns added before each row.</param>
    /// <param name="right">Columns added after each row.</param>
    /// <param name="top">Rows added above.</param>
    /// <param name="bottom">Rows added below.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The <c>[batch, channels, top + height + bottom, left + width + right]</c> output.</returns>
    public string ZeroPad(string input, int left, int right, int top, int bottom, string? output = null) => Operation(() =>
    {
        string pads = Int64Initializer(NewTensorName("pads"), [0, 0, top, left, 0, 0, bottom, right], 8);
        return Node("Pad", [input, pads], [], output);
    });

    /// <summary>
    /// <c>nn.ReflectionPad2d((left, right, top, bottom))</c>: <c>Pad</c> in <c>reflect</c> mode over the last two axes. A
    /// negative amount crops after the padding (<c>Slice</c>), so rows and columns reflect about the uncropped input's
    /// edges, as in PyTorch.
    /// </summary>
    /// <param name="input">A <c>[batch, channels, height, width]</c> tensor.</param>
    /// <param name="left">Columns added before each row.</param>
    /// <param name="right">Columns added after each row.</param>
    /// <param name="top">Rows added above.</param>
    /// <param name="bottom">Rows added below.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The <c>[batch, channels, top + height + bottom, left + width + right]</c> output.</returns>
    public string ReflectionPad(string input, int left, int right, int top, int bottom, string? output = null)
        => Operation(() => EdgePad(input, "reflect", left, right, top, bottom, output));

    /// <summary>
    /// <c>nn.ReplicationPad2d((left, right, top, bottom))</c>: <c>Pad</c> in <c>edge</c> mode over the last two axes; a
    /// negative amount crops after the padding (<c>Slice</c>), as in PyTorch.
    /// </summary>
    /// <param name="input">A <c>[batch, channels, height, width]</c> tensor.</param>
    /// <param name="left">Columns added before each row.</param>
    /// <param name="right">Columns added after each row.</param>
    /// <param name="top">Rows added above.</param>
    /// <param name="bottom">Rows added below.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The <c>[batch, channels, top + height + bottom, left + width + right]</c> output.</returns>
    public string ReplicationPad(string input, int left, int right, int top, int bottom, string? output = null)
        => Operation(() => EdgePad(input, "edge", left, right, top, bottom, output));

    /// <summary>
    /// <c>F.pad(mode='circular')</c>, what <c>nn.Conv2d(..., padding_mode='circular')</c> applies first: the plane wrapped
    /// around, as <c>Slice</c>s of its last and first columns concatenated to its sides, then the same for the rows (ONNX's
    /// <c>Pad</c> wraps only from opset 19).
    /// </summary>
    /// <param name="input">A <c>[batch, channels, height, width]</c> tensor.</param>
    /// <param name="left">Columns added before each row (the last ones); 0 to the width.</param>
    /// <param name="right">Columns added after each row (the first ones); 0 to the width.</param>
    /// <param name="top">Rows added above (the last ones); 0 to the height.</param>
    /// <param name="bottom">Rows added below (the first ones); 0 to the height.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The <c>[batch, channels, top + height + bottom, left + width + right]</c> output.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An amount is negative.</exception>
    public string CircularPad(string input, int left, int right, int top, int bottom, string? output = null) => Operation(() =>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(left);
        ArgumentOutOfRangeException.ThrowIfNegative(right);
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        ArgumentOutOfRangeException.ThrowIfNegative(bottom);
        string wide = Wrap(input, 3, left, right, top == 0 && bottom == 0 ? output : null);
        return top == 0 && bottom == 0 ? wide : Wrap(wide, 2, top, bottom, output);
    });

    /// <summary>Along <paramref name="axis"/>: the last <paramref name="before"/> entries, the tensor, its first <paramref name="after"/> entries.</summary>
    private string Wrap(string input, long axis, int before, int after, string? output)
    {
        var parts = new System.Collections.Generic.List<string>(3);
        if (before > 0)
        {
            parts.Add(AxisSlice(input, axis, -before, long.MaxValue));
        }

        parts.Add(input);
        if (after > 0)
        {
            parts.Add(AxisSlice(input, axis, 0, after));
        }

        return parts.Count == 1 && output is null ? input : Node("Concat", parts.ToArray(), [AttributeProto.Of("axis", axis)], output);
    }

    /// <summary><c>Slice</c> of entries <c>[start, end)</c> along one axis (negative: counted from the end).</summary>
    private string AxisSlice(string input, long axis, long start, long end)
    {
        string starts = Int64Initializer(NewTensorName("starts"), [start], 1);
        string ends = Int64Initializer(NewTensorName("ends"), [end], 1);
        string axes = Int64Initializer(NewTensorName("axes"), [axis], 1);
        return Node("Slice", [input, starts, ends, axes], []);
    }

    /// <summary><c>Pad</c> by the positive amounts in <paramref name="mode"/>, then a <c>Slice</c> that removes the negative ones.</summary>
    private string EdgePad(string input, string mode, int left, int right, int top, int bottom, string? output)
    {
        bool crops = left < 0 || right < 0 || top < 0 || bottom < 0;
        string pads = Int64Initializer(NewTensorName("pads"), [0, 0, Math.Max(0, top), Math.Max(0, left), 0, 0, Math.Max(0, bottom), Math.Max(0, right)], 8);
        string padded = Node("Pad", [input, pads], [AttributeProto.Of("mode", mode)], crops ? null : output);
        if (!crops)
        {
            return padded;
        }

        // Ends counted back from the end (long.MaxValue: to the end).
        string starts = Int64Initializer(NewTensorName("starts"), [Math.Max(0, -top), Math.Max(0, -left)], 2);
        string ends = Int64Initializer(NewTensorName("ends"), [bottom < 0 ? bottom : long.MaxValue, right < 0 ? right : long.MaxValue], 2);
        string axes = Int64Initializer(NewTensorName("axes"), [2, 3], 2);
        return Node("Slice", [padded, starts, ends, axes], [], output);
    }

    /// <summary>
    /// <c>nn.MaxPool2d</c>: <c>MaxPool</c>, padding counted as -∞. Ceil mode is exported in floor mode with the trailing
    /// padding its last windows reach: ONNX's <c>ceil_mode</c> keeps a last window that PyTorch drops (one that would start
    /// in the trailing padding), so its output sizes can differ from PyTorch's.
    /// </summary>
    /// <param name="input">A <c>[batch, channels, height, width]</c> tensor.</param>
    /// <param name="kernel">The window's height and width.</param>
    /// <param name="stride">The strides (PyTorch's default is the kernel).</param>
    /// <param name="padding">The padding on each side.</param>
    /// <param name="dilation">The window dilations.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <param name="ceilMode">PyTorch's <c>ceil_mode</c>: the output sizes round up (<see cref="Kernels.SlidingWindow.OutputSize"/>).</param>
    /// <param name="inputSize">The input's height and width; needed (positive) in ceil mode.</param>
    /// <returns>The pooled tensor.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range, or <paramref name="inputSize"/> is missing in ceil mode.</exception>
    public string MaxPool(
        string input, (int Height, int Width) kernel, (int Height, int Width) stride, (int Height, int Width) padding, (int Height, int Width) dilation,
        string? output = null, bool ceilMode = false, (int Height, int Width) inputSize = default) => Operation(() =>
    {
        (int Height, int Width) end = ceilMode ? CeilEndPadding(inputSize, kernel, stride, padding, dilation) : (0, 0);
        if (padding.Height + end.Height >= kernel.Height || padding.Width + end.Width >= kernel.Width)
        {
            // A dilated window can reach past the trailing padding by a kernel or more, and ONNX Runtime takes no pads
            // that large: the run past it becomes a Pad with -∞, which no maximum picks.
            string pads = Int64Initializer(NewTensorName("pads"), [0, 0, 0, 0, 0, 0, end.Height, end.Width], 8);
            input = Node("Pad", [input, pads, Scalar(float.NegativeInfinity)], []);
            end = (0, 0);
        }

        return Node(
            "MaxPool",
            [input],
            [
                AttributeProto.Of("kernel_shape", Pair(kernel)), AttributeProto.Of("strides", Pair(stride)), AttributeProto.Of("pads", Pads(padding, end)),
                AttributeProto.Of("dilations", Pair(dilation)), AttributeProto.Of("ceil_mode", 0L),
            ],
            output);
    });

    /// <summary>
    /// <c>nn.AvgPool2d</c>: <c>AveragePool</c> with <c>count_include_pad=1</c> by default (PyTorch's default: every window
    /// divides by the kernel's area, padding included), 0 with <paramref name="countIncludePad"/> false. Ceil mode is
    /// exported in floor mode with the trailing padding its last windows reach, not counted in their divisor (PyTorch divides
    /// a last window by its part inside the padded input): <c>AveragePool(count_include_pad=0)</c>, after a <c>Pad</c> with
    /// zeros when the padding counts.
    /// </summary>
    /// <param name="input">A <c>[batch, channels, height, width]</c> tensor.</param>
    /// <param name="kernel">The window's height and width.</param>
    /// <param name="stride">The strides.</param>
    /// <param name="padding">The zero padding on each side.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <param name="countIncludePad">PyTorch's <c>count_include_pad</c>: whether the padding counts in a window's divisor.</param>
    /// <param name="ceilMode">PyTorch's <c>ceil_mode</c>: the output sizes round up (<see cref="Kernels.SlidingWindow.OutputSize"/>).</param>
    /// <param name="inputSize">The input's height and width; needed (positive) in ceil mode.</param>
    /// <returns>The pooled tensor.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range, or <paramref name="inputSize"/> is missing in ceil mode.</exception>
    public string AveragePool(
        string input, (int Height, int Width) kernel, (int Height, int Width) stride, (int Height, int Width) padding, string? output = null,
        bool countIncludePad = true, bool ceilMode = false, (int Height, int Width) inputSize = default) => Operation(() =>
    {
        (int Height, int Width) end = ceilMode ? CeilEndPadding(inputSize, kernel, stride, padding, (1, 1)) : (0, 0);
        if (countIncludePad && end != (0, 0))
        {
            // The padding counts, the windows' run past it does not: pad with zeros (Pad's default mode), then average what is inside.
            string pads = Int64Initializer(NewTensorName("pads"), [0, 0, padding.Height, padding.Width, 0, 0, padding.Height, padding.Width], 8);
            input = Node("Pad", [input, pads], []);
            padding = (0, 0);
            countIncludePad = false;
        }

        return Node(
            "AveragePool",
            [input],
            [
                AttributeProto.Of("kernel_shape", Pair(kernel)), AttributeProto.Of("strides", Pair(stride)), AttributeProto.Of("pads", Pads(padding, end)),
                AttributeProto.Of("count_include_pad", countIncludePad ? 1L : 0L), AttributeProto.Of("ceil_mode", 0L),
            ],
            output);
    });

    /// <summary>
    /// The padding past the trailing padding that ceil mode's last windows reach, per dimension: the end of the last window,
    /// <c>(out - 1)·stride + dilation·(kernel - 1) + 1</c>, beyond <c>size + 2·padding</c>, or 0.
    /// </summary>
    private static (int Height, int Width) CeilEndPadding(
        (int Height, int Width) inputSize, (int Height, int Width) kernel, (int Height, int Width) stride, (int Height, int Width) padding, (int Height, int Width) dilation)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize.Height, nameof(inputSize));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize.Width, nameof(inputSize));
        return (Beyond(inputSize.Height, kernel.Height, stride.Height, padding.Height, dilation.Height), Beyond(inputSize.Width, kernel.Width, stride.Width, padding.Width, dilation.Width));

        static int Beyond(int size, int kernel, int stride, int padding, int dilation)
        {
            int windows = Kernels.SlidingWindow.OutputSize(size, kernel, stride, padding, dilation, ceilMode: true);
            return Math.Max(0, ((windows - 1) * stride) + (dilation * (kernel - 1)) + 1 - (size + (2 * padding)));
        }
    }

    /// <summary>
    /// <c>nn.AdaptiveAvgPool2d((outHeight, outWidth))</c> of a <c>[batch, c, height, width]</c> input. ONNX has no adaptive
    /// pool: when each output size divides its input size the windows are equal and do not overlap, and this is
    /// <c>AveragePool</c> with kernel = stride = input / output (what PyTorch exports); otherwise the pool is the linear
    /// map <c>Y = R·X·Cᵀ</c> on each plane, two <c>MatMul</c>s with constant matrices: <c>R[i, h] = 1 / kh(i)</c> where input
    /// row <c>h</c> lies in output row <c>i</c>'s window <c>[⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉)</c> (else 0), <c>C</c> likewise for
    /// columns. The result equals PyTorch's up to float rounding (a product by <c>1 / kh</c> instead of a division).
    /// </summary>
    /// <param name="input">A <c>[batch, channels, height, width]</c> tensor.</param>
    /// <param name="inputSize">The input's height and width; positive.</param>
    /// <param name="outputSize">The output's height and width; positive.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The <c>[batch, channels, outHeight, outWidth]</c> output.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public string AdaptiveAveragePool(string input, (int Height, int Width) inputSize, (int Height, int Width) outputSize, string? output = null) => Operation(() =>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize.Height, nameof(inputSize));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize.Width, nameof(inputSize));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize.Height, nameof(outputSize));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize.Width, nameof(outputSize));
        if (inputSize.Height % outputSize.Height == 0 && inputSize.Width % outputSize.Width == 0)
        {
            var kernel = (inputSize.Height / outputSize.Height, inputSize.Width / outputSize.Width);
            return AveragePool(input, kernel, kernel, (0, 0), output);
        }

        string rows = Initializer(NewTensorName("adaptive_rows"), AveragingMatrix(outputSize.Height, inputSize.Height, transposed: false), outputSize.Height, inputSize.Height);
        string columns = Initializer(NewTensorName("adaptive_columns"), AveragingMatrix(outputSize.Width, inputSize.Width, transposed: true), inputSize.Width, outputSize.Width);
        return Node("MatMul", [Node("MatMul", [rows, input], []), columns], [], output);
    });

    /// <summary>
    /// <c>nn.AdaptiveMaxPool2d((outHeight, outWidth))</c> of a <c>[batch, c, height, width]</c> input: <c>GlobalMaxPool</c>
    /// for an output of 1 × 1; <c>MaxPool</c> with kernel = stride = input / output when the sizes divide (equal windows
    /// that do not overlap); otherwise the maximum of each output row's window of rows (<c>Slice</c>, <c>ReduceMax</c>,
    /// <c>Concat</c>), then of each output column's window of columns: a window's maximum is the maximum of its rows'.
    /// </summary>
    /// <param name="input">A <c>[batch, channels, height, width]</c> tensor.</param>
    /// <param name="inputSize">The input's height and width; positive.</param>
    /// <param name="outputSize">The output's height and width; positive.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The <c>[batch, channels, outHeight, outWidth]</c> output.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public string AdaptiveMaxPool(string input, (int Height, int Width) inputSize, (int Height, int Width) outputSize, string? output = null) => Operation(() =>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize.Height, nameof(inputSize));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize.Width, nameof(inputSize));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize.Height, nameof(outputSize));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize.Width, nameof(outputSize));
        if (outputSize == (1, 1))
        {
            return Node("GlobalMaxPool", [input], [], output);
        }

        if (inputSize.Height % outputSize.Height == 0 && inputSize.Width % outputSize.Width == 0)
        {
            var kernel = (inputSize.Height / outputSize.Height, inputSize.Width / outputSize.Width);
            return MaxPool(input, kernel, kernel, (0, 0), (1, 1), output);
        }

        string rows = WindowMaxima(input, 2, inputSize.Height, outputSize.Height, null);
        return WindowMaxima(rows, 3, inputSize.Width, outputSize.Width, output);
    });

    /// <summary>Along <paramref name="axis"/>: the maximum of each adaptive window, the windows concatenated in order.</summary>
    private string WindowMaxima(string input, int axis, int inputs, int outputs, string? output)
    {
        var maxima = new string[outputs];
        for (int i = 0; i < outputs; i++)
        {
            (int start, int end) = Kernels.AdaptiveAvgPool2d.Window(i, outputs, inputs);
            maxima[i] = Node("ReduceMax", [AxisSlice(input, axis, start, end)], [AttributeProto.Of("axes", new long[] { axis }), AttributeProto.Of("keepdims", 1L)]);
        }

        return Node("Concat", maxima, [AttributeProto.Of("axis", (long)axis)], output);
    }

    /// <summary>
    /// The <c>[outputs, inputs]</c> matrix whose row <c>i</c> holds <c>1 / size</c> over output <c>i</c>'s adaptive window
    /// (or its <c>[inputs, outputs]</c> transpose with <paramref name="transposed"/>).
    /// </summary>
    private static float[] AveragingMatrix(int outputs, int inputs, bool transposed)
    {
        float[] matrix = new float[outputs * inputs];
        for (int i = 0; i < outputs; i++)
        {
            (int start, int end) = Kernels.AdaptiveAvgPool2d.Window(i, outputs, inputs);
            float share = 1f / (end - start);
            for (int j = start; j < end; j++)
            {
                matrix[transposed ? (j * outputs) + i : (i * inputs) + j] = share;
            }
        }

        return matrix;
    }

    /// <summary><c>nn.AdaptiveAvgPool2d(1)</c>: <c>GlobalAveragePool</c>, <c>[batch, c, h, w]</c> to <c>[batch, c, 1, 1]</c>.</summary>
    /// <param name="input">A <c>[batch, channels, height, width]</c> tensor.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The <c>[batch, channels, 1, 1]</c> output.</returns>
    public string GlobalAveragePool(string input, string? output = null) => Node("GlobalAveragePool", [input], [], output);

    /// <summary><c>nn.Flatten()</c>: <c>Flatten(axis=1)</c>, every dimension after the batch into one.</summary>
    /// <param name="input">A tensor of rank 2 or more.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The <c>[batch, features]</c> output.</returns>
    public string Flatten(string input, string? output = null) => Node("Flatten", [input], [AttributeProto.Of("axis", 1L)], output);

    /// <summary><c>Reshape</c> to <c>[-1, featureShape...]</c>: the batch kept, the rest reshaped (for example flat pixels to <c>[batch, 1, 28, 28]</c>).</summary>
    /// <param name="input">A tensor.</param>
    /// <param name="featureShape">The dimensions after the batch.</param>
    /// <returns>The reshaped tensor.</returns>
    public string Reshape(string input, params int[] featureShape) => Operation(() =>
    {
        long[] shape = new long[featureShape.Length + 1];
        shape[0] = -1;
        for (int i = 0; i < featureShape.Length; i++)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureShape[i], nameof(featureShape));
            shape[i + 1] = featureShape[i];
        }

        string shapeName = Int64Initializer(NewTensorName("shape"), shape, shape.Length);
        return Node("Reshape", [input, shapeName], [], null);
    });

    /// <summary>
    /// <c>nn.LayerNorm(features, eps)</c> over the last dimension: <c>LayerNormalization(axis=-1)</c>. Without affine
    /// parameters the scale is a shared constant of ones and the bias is left out.
    /// </summary>
    /// <param name="input">A <c>[batch, features]</c> tensor.</param>
    /// <param name="features">The normalized dimension's size.</param>
    /// <param name="weight">The <c>[features]</c> scale, or null for <c>elementwise_affine=False</c>.</param>
    /// <param name="bias">The <c>[features]</c> shift, or null.</param>
    /// <param name="epsilon">Added to the variance.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The normalized tensor.</returns>
    public string LayerNormalization(string input, int features, string? weight, string? bias, float epsilon, string? output = null) => Operation(() =>
    {
        string scale = weight ?? Filled(1f, features);
        return Node(
            "LayerNormalization",
            bias is null ? [input, scale] : [input, scale, bias],
            [AttributeProto.Of("axis", -1L), AttributeProto.Of("epsilon", epsilon)],
            output);
    });

    /// <summary>
    /// <c>nn.GroupNorm(groups, channels, eps, affine)</c> in opset 17's ops (<c>GroupNormalization</c> came with opset 18):
    /// <c>Reshape</c> to <c>[batch, groups, channels / groups · plane]</c>, <c>LayerNormalization</c> over the last axis
    /// without affine parameters, <c>Reshape</c> back, then <c>Mul</c> and <c>Add</c> the per-channel weight and bias.
    /// </summary>
    /// <param name="input">A <c>[batch, channels]</c> or <c>[batch, channels, height, width]</c> tensor.</param>
    /// <param name="featureShape">The input's dimensions after the batch: <c>channels</c>, or <c>channels, height, width</c>.</param>
    /// <param name="groups">The groups; positive, dividing the channels.</param>
    /// <param name="weight">The <c>[channels]</c> scale, or null for <c>affine=False</c>.</param>
    /// <param name="bias">The shift; null exactly when <paramref name="weight"/> is.</param>
    /// <param name="epsilon">Added to the variance.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The normalized tensor.</returns>
    public string GroupNormalization(string input, int[] featureShape, int groups, string? weight, string? bias, float epsilon, string? output = null) => Operation(() =>
    {
        ArgumentNullException.ThrowIfNull(featureShape);
        if (featureShape.Length is not (1 or 3))
        {
            throw new ArgumentException("Expected [channels] or [channels, height, width].", nameof(featureShape));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        int channels = featureShape[0], plane = featureShape.Length == 3 ? featureShape[1] * featureShape[2] : 1;
        if (channels % groups != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(groups), groups, $"Expected groups dividing the {channels} channels.");
        }

        if ((weight is null) != (bias is null))
        {
            throw new ArgumentException("A group norm has both a weight and a bias, or neither.", nameof(bias));
        }

        int length = channels / groups * plane;
        string normalized = LayerNormalization(Reshape(input, groups, length), length, null, null, epsilon);
        string restored = Reshape(normalized, featureShape);
        if (weight is null)
        {
            return output is null ? restored : Identity(restored, output);
        }

        // [c] broadcasts over the last axis; an image's channels are axis 1, so the affine tensors become [c, 1, 1].
        string scale = featureShape.Length == 1 ? weight : Reshape(weight, 1, 1);
        string shift = featureShape.Length == 1 ? bias! : Reshape(bias!, 1, 1);
        return Node("Add", [Node("Mul", [restored, scale], []), shift], [], output);
    });

    /// <summary>
    /// <c>nn.BatchNorm1d</c>/<c>nn.BatchNorm2d</c> in eval mode: <c>BatchNormalization</c> with the running statistics
    /// over channel dimension 1 (<c>[batch, c]</c> or <c>[batch, c, h, w]</c>). Without affine parameters the scale
    /// and shift are shared constants of ones and zeros.
    /// </summary>
    /// <param name="input">The input tensor.</param>
    /// <param name="channels">The channel count.</param>
    /// <param name="weight">The <c>[channels]</c> scale, or null for <c>affine=False</c>.</param>
    /// <param name="bias">The <c>[channels]</c> shift; null exactly when <paramref name="weight"/> is.</param>
    /// <param name="runningMean">The <c>[channels]</c> running mean.</param>
    /// <param name="runningVar">The <c>[channels]</c> running (unbiased) variance.</param>
    /// <param name="epsilon">Added to the variance.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The normalized tensor.</returns>
    public string BatchNormalization(string input, int channels, string? weight, string? bias, string runningMean, string runningVar, float epsilon, string? output = null) => Operation(() =>
    {
        if ((weight is null) != (bias is null))
        {
            throw new ArgumentException("A batch norm has both a weight and a bias, or neither.", nameof(bias));
        }

        return Node(
            "BatchNormalization",
            [input, weight ?? Filled(1f, channels), bias ?? Filled(0f, channels), runningMean, runningVar],
            [AttributeProto.Of("epsilon", epsilon)],
            output);
    });

    /// <summary>
    /// A batch norm without running statistics (<c>track_running_stats=False</c>), which normalizes every batch with
    /// its own mean and biased variance in eval mode too: <c>ReduceMean</c> over every axis but 1, then
    /// <c>(x - mean) / sqrt(var + eps) · weight + bias</c>.
    /// </summary>
    /// <param name="input">A <c>[batch, c]</c> (<paramref name="rank"/> 2) or <c>[batch, c, h, w]</c> (<paramref name="rank"/> 4) tensor.</param>
    /// <param name="rank">The input's rank: 2 or 4.</param>
    /// <param name="weight">The <c>[c]</c> scale, or null for <c>affine=False</c>.</param>
    /// <param name="bias">The shift; null exactly when <paramref name="weight"/> is.</param>
    /// <param name="epsilon">Added to the variance.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The normalized tensor.</returns>
    public string BatchNormalizationWithBatchStatistics(string input, int rank, string? weight, string? bias, float epsilon, string? output = null) => Operation(() =>
    {
        if (rank is not (2 or 4))
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, "Expected rank 2 ([batch, c]) or 4 ([batch, c, h, w]).");
        }

        if ((weight is null) != (bias is null))
        {
            throw new ArgumentException("A batch norm has both a weight and a bias, or neither.", nameof(bias));
        }

        long[] axes = rank == 2 ? [0] : [0, 2, 3];
        AttributeProto[] reduce = [AttributeProto.Of("axes", axes), AttributeProto.Of("keepdims", 1L)];
        string mean = Node("ReduceMean", [input], reduce);
        string centered = Node("Sub", [input, mean], []);
        string variance = Node("ReduceMean", [Node("Mul", [centered, centered], [])], reduce);
        string normalized = Node("Div", [centered, Node("Sqrt", [Node("Add", [variance, Scalar(epsilon)], [])], [])], [], weight is null ? output : null);
        if (weight is null)
        {
            return normalized;
        }

        // [c] broadcasts over the last axis; an image's channels are axis 1, so the affine tensors become [c, 1, 1].
        string scale = rank == 2 ? weight : Reshape(weight, 1, 1);
        string shift = rank == 2 ? bias! : Reshape(bias!, 1, 1);
        return Node("Add", [Node("Mul", [normalized, scale], []), shift], [], output);
    });

    /// <summary>The residual sum <c>a + b</c>: <c>Add</c>.</summary>
    /// <param name="a">A tensor.</param>
    /// <param name="b">A tensor of the same shape.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The sum.</returns>
    public string Add(string a, string b, string? output = null) => Node("Add", [a, b], [], output);

    /// <summary>The product <c>a * b</c> with ONNX's (numpy's) broadcasting: <c>Mul</c>.</summary>
    /// <param name="a">A tensor.</param>
    /// <param name="b">A tensor of the same shape, or one that broadcasts against <paramref name="a"/> (<c>[N, C, 1, 1]</c> against <c>[N, C, H, W]</c>).</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The product.</returns>
    public string Mul(string a, string b, string? output = null) => Node("Mul", [a, b], [], output);

    /// <summary><c>torch.cat(tensors, dim=axis)</c>: <c>Concat</c>.</summary>
    /// <param name="axis">The axis joined along (1 for features or channels).</param>
    /// <param name="inputs">One or more tensors, equal except along <paramref name="axis"/>.</param>
    /// <returns>The joined tensor.</returns>
    public string Concat(int axis, params string[] inputs) => Operation(() =>
    {
        if (inputs.Length < 1)
        {
            throw new ArgumentException("Concat needs at least one input.", nameof(inputs));
        }

        return Node("Concat", inputs, [AttributeProto.Of("axis", (long)axis)]);
    });

    /// <summary><c>nn.Dropout</c> in eval mode: the identity (an <c>Identity</c> node, so the graph keeps the layer's place).</summary>
    /// <param name="input">A tensor.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The same values.</returns>
    public string Identity(string input, string? output = null) => Node("Identity", [input], [], output);

    /// <summary><c>softmax(x, dim=-1)</c>: <c>Softmax(axis=-1)</c>.</summary>
    /// <param name="input">A <c>[batch, classes]</c> tensor.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The probabilities.</returns>
    public string Softmax(string input, string? output = null) => Node("Softmax", [input], [AttributeProto.Of("axis", -1L)], output);

    /// <summary><c>log_softmax(x, dim=-1)</c>: <c>LogSoftmax(axis=-1)</c>.</summary>
    /// <param name="input">A <c>[batch, classes]</c> tensor.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The log-probabilities.</returns>
    public string LogSoftmax(string input, string? output = null) => Node("LogSoftmax", [input], [AttributeProto.Of("axis", -1L)], output);

    private static long[] Pair((int Height, int Width) value)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value.Height, nameof(value));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value.Width, nameof(value));
        return [value.Height, value.Width];
    }

    /// <summary>ONNX's <c>pads</c>: <paramref name="padding"/> before and after, and <paramref name="extraEnd"/> more after.</summary>
    private static long[] Pads((int Height, int Width) padding, (int Height, int Width) extraEnd = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(padding.Height, nameof(padding));
        ArgumentOutOfRangeException.ThrowIfNegative(padding.Width, nameof(padding));
        return [padding.Height, padding.Width, padding.Height + extraEnd.Height, padding.Width + extraEnd.Width];
    }
}
