using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// A sliding window's options along an image's two axes, as PyTorch's <c>(height, width)</c> tuples hold them: kernel,
/// stride, zero (or -∞) padding on each side, and dilation. Square windows are the common case; PyTorch's
/// <c>kernel_size=(1, 7)</c>, <c>stride=(2, 1)</c> and the like give the others.
/// </summary>
internal readonly record struct Window2d(
    int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth, int PaddingHeight, int PaddingWidth, int DilationHeight, int DilationWidth)
{
    /// <summary>
    /// The kernels' window arguments: kernel, stride, padding and (with <paramref name="dilation"/>) dilation, each height
    /// then width (<c>5, 5, 1, 1, 2, 2, 1, 1</c>).
    /// </summary>
    public string KernelArguments(bool dilation = true)
        => $"{Pair(KernelHeight, KernelWidth)}, {Pair(StrideHeight, StrideWidth)}, {Pair(PaddingHeight, PaddingWidth)}"
            + (dilation ? $", {DilationArguments}" : string.Empty);

    /// <summary>The dilation as the kernels take it, <c>dh, dw</c> (for a transposed convolution, whose output padding comes before it).</summary>
    public string DilationArguments => Pair(DilationHeight, DilationWidth);

    /// <summary>The dilation as a <c>(height, width)</c> tuple.</summary>
    public string DilationTuple => Tuple(DilationHeight, DilationWidth);

    /// <summary>The ONNX builder's window arguments, <c>(height, width)</c> tuples in the same order as <see cref="KernelArguments"/>.</summary>
    public string TupleArguments(bool dilation = true)
        => $"{Tuple(KernelHeight, KernelWidth)}, {Tuple(StrideHeight, StrideWidth)}, {Tuple(PaddingHeight, PaddingWidth)}"
            + (dilation ? $", {DilationTuple}" : string.Empty);

    /// <summary>The runtime layer's constructor arguments: stride, padding and (with <paramref name="dilation"/>) dilation as tuples.</summary>
    public string LayerArguments(bool dilation = true)
        => $"{Tuple(StrideHeight, StrideWidth)}, {Tuple(PaddingHeight, PaddingWidth)}" + (dilation ? $", {DilationTuple}" : string.Empty);

    /// <summary>The kernel's size for a shape comment, <c>5 x 5</c>.</summary>
    public string KernelText => $"{OpEmitContext.Int(KernelHeight)} x {OpEmitContext.Int(KernelWidth)}";

    /// <summary>
    /// The options as PyTorch prints them, leaving out defaults (a stride equal to <paramref name="defaultStrideIsKernel"/>
    /// ? the kernel : 1, no padding, no dilation); one number per option when both axes agree, else a tuple
    /// (<c>kernel_size=5, padding=2</c>, <c>kernel_size=(1, 7), padding=(0, 3)</c>). <paramref name="padding"/> replaces
    /// the padding's text (PyTorch's <c>padding=same</c>).
    /// </summary>
    public string Options(bool defaultStrideIsKernel, string? padding = null)
    {
        bool defaultStride = defaultStrideIsKernel
            ? StrideHeight == KernelHeight && StrideWidth == KernelWidth
            : StrideHeight == 1 && StrideWidth == 1;
        return $"kernel_size={Option(KernelHeight, KernelWidth)}"
            + (defaultStride ? string.Empty : $", stride={Option(StrideHeight, StrideWidth)}")
            + (padding is not null ? $", padding={padding}" : PaddingHeight == 0 && PaddingWidth == 0 ? string.Empty : $", padding={Option(PaddingHeight, PaddingWidth)}")
            + (DilationHeight == 1 && DilationWidth == 1 ? string.Empty : $", dilation={Option(DilationHeight, DilationWidth)}");
    }

    /// <summary>
    /// Reads the window of a convolution or pooling attribute: the kernel as the constructor arguments from
    /// <paramref name="kernelPosition"/> on (<c>kernelSize</c>, or <c>kernelHeight, kernelWidth</c>), then <c>Stride</c>,
    /// <c>Padding</c> and <c>Dilation</c>, each overridden along one axis by its <c>…Height</c> or <c>…Width</c> property.
    /// An unset stride is <paramref name="defaultStride"/>, or the kernel's size along the axis when that is 0 (the pools'
    /// <c>stride=None</c>); a stride set to 0 is out of range, as PyTorch refuses it. Reports the first option out of range
    /// at its argument (padding from 0 to half the kernel along its axis with <paramref name="paddingAtMostHalfKernel"/>, as
    /// PyTorch's pools require) and returns null.
    /// </summary>
    public static Window2d? Parse(AttributeReader r, int kernelPosition, int defaultStride, bool paddingAtMostHalfKernel, bool hasDilation)
    {
        bool rectangle = r.ConstructorArgumentCount > kernelPosition + 1;
        Axis kernelHeight = rectangle ? new Axis("kernelHeight", r.Int("kernelHeight", kernelPosition, 0)) : new Axis("kernelSize", r.Int("kernelSize", kernelPosition, 0));
        Axis kernelWidth = rectangle ? new Axis("kernelWidth", r.Int("kernelWidth", kernelPosition + 1, 0)) : kernelHeight;
        if (!Positive(r, kernelHeight) || !Positive(r, kernelWidth))
        {
            return null;
        }

        Axis strideHeight = Read(r, "Stride", "StrideHeight", defaultStride), strideWidth = Read(r, "Stride", "StrideWidth", defaultStride);
        strideHeight = defaultStride == 0 && !r.IsSet(strideHeight.Name) ? strideHeight with { Value = kernelHeight.Value } : strideHeight;
        strideWidth = defaultStride == 0 && !r.IsSet(strideWidth.Name) ? strideWidth with { Value = kernelWidth.Value } : strideWidth;
        if (!Positive(r, strideHeight) || !Positive(r, strideWidth))
        {
            return null;
        }

        Axis paddingHeight = Read(r, "Padding", "PaddingHeight", 0), paddingWidth = Read(r, "Padding", "PaddingWidth", 0);
        if (!PaddingInRange(r, paddingHeight, paddingAtMostHalfKernel ? kernelHeight.Value / 2 : int.MaxValue, "height")
            || !PaddingInRange(r, paddingWidth, paddingAtMostHalfKernel ? kernelWidth.Value / 2 : int.MaxValue, "width"))
        {
            return null;
        }

        Axis dilationHeight = hasDilation ? Read(r, "Dilation", "DilationHeight", 1) : new Axis("Dilation", 1);
        Axis dilationWidth = hasDilation ? Read(r, "Dilation", "DilationWidth", 1) : new Axis("Dilation", 1);
        if (!Positive(r, dilationHeight) || !Positive(r, dilationWidth))
        {
            return null;
        }

        return new Window2d(
            kernelHeight.Value, kernelWidth.Value, strideHeight.Value, strideWidth.Value, paddingHeight.Value, paddingWidth.Value, dilationHeight.Value, dilationWidth.Value);
    }

    /// <summary>
    /// PyTorch's <c>padding='same'</c> for a convolution, which keeps the input's size at stride 1: <c>dilation·(kernel - 1)</c>
    /// rows (columns) in all, half on each side, rounded down, and the odd one at the end (PyTorch pads the input there
    /// first). Returns the window with the symmetric part as its padding, and the extra rows below and columns right (0
    /// or 1). Reports at <c>SamePadding</c> and returns null when the stride is not 1, as PyTorch refuses it too.
    /// </summary>
    public (Window2d Window, int ExtraBottom, int ExtraRight)? WithSamePadding(AttributeReader r)
    {
        if (StrideHeight != 1 || StrideWidth != 1)
        {
            r.InvalidArgument("SamePadding", "true", $"PyTorch's padding='same' needs stride 1, and the stride is {Option(StrideHeight, StrideWidth)}");
            return null;
        }

        long spanHeight = (long)DilationHeight * (KernelHeight - 1), spanWidth = (long)DilationWidth * (KernelWidth - 1);
        foreach ((long span, string lines) in new[] { (spanHeight, "rows"), (spanWidth, "columns") })
        {
            if (span > int.MaxValue)
            {
                r.InvalidArgument("SamePadding", "true", $"PyTorch's padding='same' adds dilation·(kernel - 1) = {OpEmitContext.Long(span)} {lines} of padding, more than an image's side can be ({OpEmitContext.Int(int.MaxValue)})");
                return null;
            }
        }

        return (this with { PaddingHeight = (int)(spanHeight / 2), PaddingWidth = (int)(spanWidth / 2) }, (int)(spanHeight % 2), (int)(spanWidth % 2));
    }

    /// <summary>
    /// A transposed convolution's <c>OutputPadding</c> (and its <c>OutputPaddingHeight</c>/<c>OutputPaddingWidth</c>): from 0
    /// to the stride less one along each axis (PyTorch's rule at dilation 1; StaticGrad does not take its other case, an
    /// output padding below the dilation). Reports at the argument and returns null otherwise.
    /// </summary>
    public (int Height, int Width)? OutputPadding(AttributeReader r)
    {
        Axis height = Read(r, "OutputPadding", "OutputPaddingHeight", 0), width = Read(r, "OutputPadding", "OutputPaddingWidth", 0);
        foreach ((Axis axis, int stride, int dilation, string direction) in new[] { (height, StrideHeight, DilationHeight, "vertical"), (width, StrideWidth, DilationWidth, "horizontal") })
        {
            if (axis.Value < 0 || axis.Value >= stride)
            {
                // A square OutputPadding is checked along both axes: say which stride it exceeds.
                string which = StrideHeight == StrideWidth ? "the stride" : $"the {direction} stride";
                r.InvalidArgument(axis.Name, OpEmitContext.Int(axis.Value), axis.Value >= 0 && axis.Value < dilation
                    ? $"StaticGrad takes an output padding from 0 to {which} less one ({OpEmitContext.Int(stride - 1)}); PyTorch's other case, an output padding below the dilation, is not supported"
                    : $"it must be from 0 to {which} less one ({OpEmitContext.Int(stride - 1)}), as PyTorch requires (or below the dilation, which StaticGrad does not support)");
                return null;
            }
        }

        return (height.Value, width.Value);
    }

    private static Axis Read(AttributeReader r, string squareName, string axisName, int defaultValue)
        => r.IsSet(axisName) ? new Axis(axisName, r.Int(axisName, -1, defaultValue)) : new Axis(squareName, r.Int(squareName, -1, defaultValue));

    private static bool Positive(AttributeReader r, Axis axis)
    {
        if (axis.Value > 0)
        {
            return true;
        }

        r.InvalidArgument(axis.Name, OpEmitContext.Int(axis.Value), "it must be positive");
        return false;
    }

    private static bool PaddingInRange(AttributeReader r, Axis axis, int maxPadding, string dimension)
    {
        if (axis.Value >= 0 && axis.Value <= maxPadding)
        {
            return true;
        }

        r.InvalidArgument(
            axis.Name,
            OpEmitContext.Int(axis.Value),
            maxPadding == int.MaxValue ? "it must be zero or more" : $"it must be from 0 to half the kernel's {dimension} ({OpEmitContext.Int(maxPadding)}), as in PyTorch");
        return false;
    }

    private static string Pair(int height, int width) => $"{OpEmitContext.Int(height)}, {OpEmitContext.Int(width)}";

    private static string Tuple(int height, int width) => $"({Pair(height, width)})";

    private static string Option(int height, int width) => height == width ? OpEmitContext.Int(height) : Tuple(height, width);

    /// <summary>One option along one axis and the argument it was read from, for a diagnostic's location and text.</summary>
    private readonly record struct Axis(string Name, int Value);
}
