using System.Collections.Generic;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// <c>nn.AvgPool2d(kernel, stride, padding, ceil_mode, count_include_pad)</c> (the padding counted in the divisor by
/// default, as PyTorch), and <c>nn.AdaptiveAvgPool2d((oh, ow))</c> for any input size (windows <c>[⌊i·H/oh⌋, ⌈(i+1)·H/oh⌉)</c>,
/// PyTorch's; the global pool <c>(1, 1)</c> has its own kernel). The backward pass spreads each output gradient evenly over its window.
/// </summary>
/// <param name="Window">Window size, step between windows and zero padding on each side, along each axis (no dilation); unused by an adaptive pool.</param>
/// <param name="AdaptiveHeight">The output height of an adaptive pool (its windows follow from the input), or 0.</param>
/// <param name="AdaptiveWidth">The output width of an adaptive pool, or 0.</param>
/// <param name="CountIncludePad">PyTorch's <c>count_include_pad</c>: the padding counts in a window's divisor.</param>
/// <param name="CeilMode">PyTorch's <c>ceil_mode</c>: the output sizes round up.</param>
internal sealed record AvgPool2dOp(
    Window2d Window, int AdaptiveHeight, int AdaptiveWidth, bool CountIncludePad = true, bool CeilMode = false) : Op
{
    /// <summary>
    /// Parses <c>[AvgPool2d(kernelSize)]</c> and <c>[AvgPool2d(kernelHeight, kernelWidth)]</c> with <c>Stride = kernel,
    /// Padding = 0</c> (each also per axis: <c>StrideHeight</c>, <c>PaddingWidth</c>, ...), <c>CountIncludePad = true,
    /// CeilMode = false</c>.
    /// </summary>
    public static Op? Parse(AttributeReader r)
        => Window2d.Parse(r, kernelPosition: 0, defaultStride: 0, paddingAtMostHalfKernel: true, hasDilation: false) is { } window
            ? new AvgPool2dOp(window, 0, 0, r.Bool("CountIncludePad", -1, true), r.Bool("CeilMode", -1, false))
            : null;

    /// <summary>Parses <c>[AdaptiveAvgPool2d(outputSize)]</c> and <c>[AdaptiveAvgPool2d(outputHeight, outputWidth)]</c>.</summary>
    public static Op? ParseAdaptive(AttributeReader r)
        => ImageGeometry.AdaptiveOutputSize(r) is (int height, int width) ? new AvgPool2dOp(default, height, width) : null;

    public override string Name => IsAdaptive ? "AdaptiveAvgPool2d" : "AvgPool2d";

    public override bool TakesFlat => false;

    public override bool TakesImages => true;

    public override string? GeometryProblem(EquatableArray<TensorShape> inputs)
    {
        // An adaptive pool takes any input: its windows follow from the sizes (ParseAdaptive refuses a size below 1).
        return IsAdaptive ? null : ImageGeometry.WindowProblem(inputs[0], Window, CeilMode);
    }

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs)
        => IsAdaptive
            ? TensorShape.Image(inputs[0].Channels, AdaptiveHeight, AdaptiveWidth)
            : ImageGeometry.Output(inputs[0], inputs[0].Channels, Window, CeilMode);

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output)
        => IsAdaptive
            ? $"AdaptiveAvgPool2d({AdaptiveOutputSize})"
            : $"AvgPool2d({Window.Options(defaultStrideIsKernel: true)}{(CeilMode ? ", ceil_mode=True" : string.Empty)}{(CountIncludePad ? string.Empty : ", count_include_pad=False")})";

    public override string Construct(string parameterSet, IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => IsAdaptive
            ? $"new global::StaticGrad.AdaptiveAvgPool2d({AdaptiveArguments})"
            : $"new global::StaticGrad.AvgPool2d({Window.TupleArguments(dilation: false)}{OptionArguments})";

    public override string OnnxExpression(OnnxEmitContext c)
    {
        if (IsGlobal)
        {
            return OnnxEmitContext.Call("GlobalAveragePool", c.Input);
        }

        if (IsAdaptive)
        {
            TensorShape input = c.InputShapes[0];
            return OnnxEmitContext.Call(
                "AdaptiveAveragePool", c.Input, $"({OpEmitContext.Int(input.Height)}, {OpEmitContext.Int(input.Width)})", $"({OpEmitContext.Int(AdaptiveHeight)}, {OpEmitContext.Int(AdaptiveWidth)})");
        }

        return OnnxEmitContext.Call("AveragePool", c.Input, Window.TupleArguments(dilation: false) + OptionArguments + (CeilMode ? ImageGeometry.InputSizeArgument(c.InputShapes[0]) : string.Empty));
    }

    public override void EmitForward(OpEmitContext c, bool training)
    {
        TensorShape input = c.InputShapes[0];
        if (IsGlobal)
        {
            c.Line($"// {c.Output} {c.OutputShape} = mean of each channel of {c.Input} {input}");
            c.Line($"{OpEmitContext.Kernels}.GlobalAvgPool2d.Forward({c.Input}, {c.Output}, batch, {OpEmitContext.Planes(input)});");
            return;
        }

        if (IsAdaptive)
        {
            c.Line($"// {c.Output} {c.OutputShape} = mean over each adaptive window of {c.Input} {input} ({AdaptiveWindows(input)})");
            c.Line($"{OpEmitContext.Kernels}.AdaptiveAvgPool2d.Forward({c.Input}, {c.Output}, batch, {OpEmitContext.Planes(input)}, {OpEmitContext.Int(AdaptiveHeight)}, {OpEmitContext.Int(AdaptiveWidth)});");
            return;
        }

        string divisor = CountIncludePad || (Window.PaddingHeight == 0 && Window.PaddingWidth == 0) ? string.Empty : " (its positions inside the input: the padding does not count)";
        c.Line($"// {c.Output} {c.OutputShape} = mean over each {Window.KernelText} window of {c.Input} {input}{divisor}");
        c.Line($"{OpEmitContext.Kernels}.AvgPool2d.Forward({c.Input}, {c.Output}, batch, {OpEmitContext.Planes(input)}, {Arguments});");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        if (c.InputGradients[0] is not { } inputGradient)
        {
            c.Line($"//   no gradient for {c.Input}: nothing before it has parameters (pruned).");
            return;
        }

        TensorShape input = c.InputShapes[0];
        c.Line($"//   {inputGradient} {input} = {c.OutputGradient} spread evenly over each window");
        if (IsGlobal)
        {
            c.Line($"{OpEmitContext.Kernels}.GlobalAvgPool2d.Backward({c.OutputGradient}, {inputGradient}, batch, {OpEmitContext.Planes(input)});");
            return;
        }

        if (IsAdaptive)
        {
            c.Line($"{OpEmitContext.Kernels}.AdaptiveAvgPool2d.Backward({c.OutputGradient}, {inputGradient}, batch, {OpEmitContext.Planes(input)}, {OpEmitContext.Int(AdaptiveHeight)}, {OpEmitContext.Int(AdaptiveWidth)});");
            return;
        }

        c.Line($"{OpEmitContext.Kernels}.AvgPool2d.Backward({c.OutputGradient}, {inputGradient}, batch, {OpEmitContext.Planes(input)}, {Arguments});");
    }

    private bool IsAdaptive => AdaptiveHeight > 0;

    /// <summary>The global average pool of a classifier head, <c>AdaptiveAvgPool2d(1)</c>, has its own kernel.</summary>
    private bool IsGlobal => AdaptiveHeight == 1 && AdaptiveWidth == 1;

    /// <summary>
    /// The rows (and columns) each output row of an adaptive pool averages, for the shape comment: one window size when the
    /// sizes divide, else the two sizes that occur (windows overlap where a division rounds).
    /// </summary>
    private string AdaptiveWindows(TensorShape input)
        => $"rows {WindowSizes(input.Height, AdaptiveHeight)}, columns {WindowSizes(input.Width, AdaptiveWidth)}";

    private static string WindowSizes(int inputSize, int outputSize)
    {
        int smallest = int.MaxValue, largest = 0;
        for (int i = 0; i < outputSize; i++)
        {
            // PyTorch's start_index / end_index: [floor(i·in/out), ceil((i+1)·in/out)).
            int size = (int)(((((long)(i + 1) * inputSize) + outputSize - 1) / outputSize) - ((long)i * inputSize / outputSize));
            smallest = System.Math.Min(smallest, size);
            largest = System.Math.Max(largest, size);
        }

        return smallest == largest ? $"{OpEmitContext.Int(smallest)} each" : $"{OpEmitContext.Int(smallest)} or {OpEmitContext.Int(largest)} each";
    }

    /// <summary>The output size as the layer's and the attribute's constructors take it: one number when square.</summary>
    private string AdaptiveArguments
        => AdaptiveHeight == AdaptiveWidth ? OpEmitContext.Int(AdaptiveHeight) : $"{OpEmitContext.Int(AdaptiveHeight)}, {OpEmitContext.Int(AdaptiveWidth)}";

    /// <summary>PyTorch's <c>output_size</c>: <c>7</c>, or <c>(7, 5)</c>.</summary>
    private string AdaptiveOutputSize => AdaptiveHeight == AdaptiveWidth ? AdaptiveArguments : $"({AdaptiveArguments})";

    private string Arguments
        => $"{Window.KernelArguments(dilation: false)}{OptionArguments}";

    /// <summary>
    /// The trailing named <c>countIncludePad</c> and <c>ceilMode</c> arguments of the kernels, the layer and the ONNX
    /// builder, each only when it is not their default (true, false).
    /// </summary>
    private string OptionArguments => (CountIncludePad ? string.Empty : ", countIncludePad: false") + (CeilMode ? ", ceilMode: true" : string.Empty);
}
