using System.Collections.Generic;
using System.Linq;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// <c>nn.Upsample(scale_factor=(sh, sw), mode='nearest')</c> with whole factors: every input pixel repeated over an
/// <c>sh × sw</c> block, the backward pass summing each block's gradient; or <c>mode='bilinear'</c> (with
/// <c>align_corners</c>): each output pixel the weighted mean of the four input pixels around its source position; or
/// either mode to an output size, <c>nn.Upsample(size=(oh, ow))</c>.
/// </summary>
/// <param name="ScaleHeight">The vertical factor.</param>
/// <param name="ScaleWidth">The horizontal factor.</param>
/// <param name="Bilinear">Whether the mode is bilinear (else nearest).</param>
/// <param name="AlignCorners">PyTorch's <c>align_corners</c> (bilinear only).</param>
/// <param name="SizeHeight">The output height of PyTorch's <c>size=</c> (then the factors are 0), or 0.</param>
/// <param name="SizeWidth">The output width of PyTorch's <c>size=</c>, or 0.</param>
internal sealed record UpsampleOp(int ScaleHeight, int ScaleWidth, bool Bilinear, bool AlignCorners, int SizeHeight = 0, int SizeWidth = 0) : Op
{
    /// <summary>
    /// Parses <c>[Upsample(ScaleFactor = 2)]</c> with <c>ScaleFactorHeight</c> and <c>ScaleFactorWidth</c> per axis,
    /// <c>Mode = UpsampleMode.Nearest</c> and <c>AlignCorners = false</c>.
    /// </summary>
    public static Op? Parse(AttributeReader r)
    {
        string[] sizeNames = ["Size", "SizeHeight", "SizeWidth"];
        string[] scaleNames = ["ScaleFactor", "ScaleFactorHeight", "ScaleFactorWidth"];
        bool sized = sizeNames.Any(r.IsSet);
        if (sized && scaleNames.FirstOrDefault(r.IsSet) is { } scaleName)
        {
            r.InvalidArgument(scaleName, OpEmitContext.Int(r.Int(scaleName, -1, 0)), "PyTorch's Upsample takes either a size or a scale factor, not both; leave out the scale factor or the size");
            return null;
        }

        int bothSizes = r.Int("Size", -1, 0);
        int sizeHeight = r.Int("SizeHeight", -1, bothSizes), sizeWidth = r.Int("SizeWidth", -1, bothSizes);
        if (sized && !r.IsSet("Size") && r.IsSet("SizeHeight") != r.IsSet("SizeWidth"))
        {
            (string given, string missing) = r.IsSet("SizeHeight") ? ("SizeHeight", "SizeWidth") : ("SizeWidth", "SizeHeight");
            r.InvalidArgument(given, OpEmitContext.Int(r.Int(given, -1, 0)), $"PyTorch's size=(oh, ow) gives both sides: set {missing} too, or Size for a square output");
            return null;
        }

        if (sized)
        {
            foreach ((string name, int value) in new[] { (r.IsSet("SizeHeight") ? "SizeHeight" : "Size", sizeHeight), (r.IsSet("SizeWidth") ? "SizeWidth" : "Size", sizeWidth) })
            {
                if (value <= 0)
                {
                    r.InvalidArgument(name, OpEmitContext.Int(value), "an output size must be positive");
                    return null;
                }
            }
        }

        int both = r.Int("ScaleFactor", -1, 2);
        int height = r.Int("ScaleFactorHeight", -1, both), width = r.Int("ScaleFactorWidth", -1, both);
        foreach ((string name, int value) in new[] { (r.IsSet("ScaleFactorHeight") ? "ScaleFactorHeight" : "ScaleFactor", height), (r.IsSet("ScaleFactorWidth") ? "ScaleFactorWidth" : "ScaleFactor", width) })
        {
            if (value <= 0)
            {
                r.InvalidArgument(name, OpEmitContext.Int(value), "it must be a positive whole factor");
                return null;
            }
        }

        int mode = r.Int("Mode", -1, 0);
        if (mode is not (0 or 1))
        {
            r.InvalidArgument("Mode", OpEmitContext.Int(mode), "use UpsampleMode.Nearest or UpsampleMode.Bilinear");
            return null;
        }

        bool alignCorners = r.Bool("AlignCorners", -1, false);
        if (alignCorners && mode == 0)
        {
            r.InvalidArgument("AlignCorners", "true", "PyTorch's align_corners can only be set with the interpolating modes (Mode = UpsampleMode.Bilinear)");
            return null;
        }

        return sized ? new UpsampleOp(0, 0, mode == 1, alignCorners, sizeHeight, sizeWidth) : new UpsampleOp(height, width, mode == 1, alignCorners);
    }

    /// <summary>Whether the op has an output size (PyTorch's <c>size=</c>) rather than factors.</summary>
    private bool Sized => SizeHeight > 0;

    public override string Name => "Upsample";

    public override bool TakesFlat => false;

    public override bool TakesImages => true;

    public override string? GeometryProblem(EquatableArray<TensorShape> inputs)
        => Sized || (long)inputs[0].Height * ScaleHeight * inputs[0].Width * ScaleWidth <= int.MaxValue
            ? null
            : $"its {OpEmitContext.Int(inputs[0].Height)} x {OpEmitContext.Int(inputs[0].Width)} input scaled by {OpEmitContext.Int(ScaleHeight)} x {OpEmitContext.Int(ScaleWidth)} is more than an image plane holds";

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs)
        => Sized
            ? TensorShape.Image(inputs[0].Channels, SizeHeight, SizeWidth)
            : TensorShape.Image(inputs[0].Channels, (int)System.Math.Min(int.MaxValue, (long)inputs[0].Height * ScaleHeight), (int)System.Math.Min(int.MaxValue, (long)inputs[0].Width * ScaleWidth));

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output)
        => Sized
            ? SizeHeight == SizeWidth
                ? $"Upsample(size={OpEmitContext.Int(SizeHeight)}, mode={ModeText})"
                : $"Upsample(size=({OpEmitContext.Int(SizeHeight)}, {OpEmitContext.Int(SizeWidth)}), mode={ModeText})"
            : ScaleHeight == ScaleWidth
                ? $"Upsample(scale_factor={OpEmitContext.Int(ScaleHeight)}.0, mode={ModeText})"
                : $"Upsample(scale_factor=({OpEmitContext.Int(ScaleHeight)}.0, {OpEmitContext.Int(ScaleWidth)}.0), mode={ModeText})";

    public override string Construct(string parameterSet, IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
    {
        string options = Bilinear ? $", global::StaticGrad.UpsampleMode.Bilinear{(AlignCorners ? ", alignCorners: true" : string.Empty)}" : string.Empty;
        return Sized ? $"global::StaticGrad.Upsample.ToSize({Size}{options})" : $"new global::StaticGrad.Upsample({Scale}{options})";
    }

    public override string OnnxExpression(OnnxEmitContext c)
        => Sized
            ? Bilinear ? OnnxEmitContext.Call("UpsampleBilinearToSize", c.Input, Size, AlignCorners ? "true" : "false") : OnnxEmitContext.Call("UpsampleNearestToSize", c.Input, Size)
            : Bilinear ? OnnxEmitContext.Call("UpsampleBilinear", c.Input, Scale, AlignCorners ? "true" : "false") : OnnxEmitContext.Call("UpsampleNearest", c.Input, Scale);

    public override void EmitForward(OpEmitContext c, bool training)
    {
        if (Sized)
        {
            c.Line(Bilinear
                ? $"// {c.Output} {c.OutputShape} = {c.Input} {c.InputShapes[0]} interpolated bilinearly to {OpEmitContext.Int(SizeHeight)} x {OpEmitContext.Int(SizeWidth)}{AlignText}"
                : $"// {c.Output} {c.OutputShape} = {c.Input} {c.InputShapes[0]} resized to {OpEmitContext.Int(SizeHeight)} x {OpEmitContext.Int(SizeWidth)}, each pixel its nearest source pixel");
            c.Line($"{OpEmitContext.Kernels}.{Kernel}.ForwardToSize({c.Input}, {c.Output}, batch, {OpEmitContext.Planes(c.InputShapes[0])}, {OpEmitContext.Int(SizeHeight)}, {OpEmitContext.Int(SizeWidth)}{AlignArgument});");
            return;
        }

        if (Bilinear)
        {
            c.Line($"// {c.Output} {c.OutputShape} = {c.Input} {c.InputShapes[0]} interpolated bilinearly, scale {OpEmitContext.Int(ScaleHeight)} x {OpEmitContext.Int(ScaleWidth)}{AlignText}");
            c.Line($"{OpEmitContext.Kernels}.UpsampleBilinear2d.Forward({c.Input}, {c.Output}, batch, {OpEmitContext.Planes(c.InputShapes[0])}, {OpEmitContext.Int(ScaleHeight)}, {OpEmitContext.Int(ScaleWidth)}, alignCorners: {(AlignCorners ? "true" : "false")});");
            return;
        }

        c.Line($"// {c.Output} {c.OutputShape} = {c.Input} {c.InputShapes[0]} with every pixel repeated over a {OpEmitContext.Int(ScaleHeight)} x {OpEmitContext.Int(ScaleWidth)} block");
        c.Line($"{OpEmitContext.Kernels}.Upsample2d.Forward({c.Input}, {c.Output}, batch, {OpEmitContext.Planes(c.InputShapes[0])}, {OpEmitContext.Int(ScaleHeight)}, {OpEmitContext.Int(ScaleWidth)});");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        if (c.InputGradients[0] is not { } inputGradient)
        {
            c.Line($"//   no gradient for {c.Input}: nothing before it has parameters (pruned).");
            return;
        }

        if (Sized)
        {
            c.Line(Bilinear
                ? $"//   {inputGradient} {c.InputShapes[0]} = each pixel's share of {c.OutputGradient}, by its interpolation weights"
                : $"//   {inputGradient} {c.InputShapes[0]} = the sums of {c.OutputGradient} over the outputs each pixel was copied to");
            c.Line($"{OpEmitContext.Kernels}.{Kernel}.BackwardToSize({c.OutputGradient}, {inputGradient}, batch, {OpEmitContext.Planes(c.InputShapes[0])}, {OpEmitContext.Int(SizeHeight)}, {OpEmitContext.Int(SizeWidth)}{AlignArgument});");
            return;
        }

        if (Bilinear)
        {
            c.Line($"//   {inputGradient} {c.InputShapes[0]} = each pixel's share of {c.OutputGradient}, by its interpolation weights");
            c.Line($"{OpEmitContext.Kernels}.UpsampleBilinear2d.Backward({c.OutputGradient}, {inputGradient}, batch, {OpEmitContext.Planes(c.InputShapes[0])}, {OpEmitContext.Int(ScaleHeight)}, {OpEmitContext.Int(ScaleWidth)}, alignCorners: {(AlignCorners ? "true" : "false")});");
            return;
        }

        c.Line($"//   {inputGradient} {c.InputShapes[0]} = the sums of {c.OutputGradient}'s blocks");
        c.Line($"{OpEmitContext.Kernels}.Upsample2d.Backward({c.OutputGradient}, {inputGradient}, batch, {OpEmitContext.Planes(c.InputShapes[0])}, {OpEmitContext.Int(ScaleHeight)}, {OpEmitContext.Int(ScaleWidth)});");
    }

    private string Scale => $"({OpEmitContext.Int(ScaleHeight)}, {OpEmitContext.Int(ScaleWidth)})";

    private string Size => $"({OpEmitContext.Int(SizeHeight)}, {OpEmitContext.Int(SizeWidth)})";

    private string Kernel => Bilinear ? "UpsampleBilinear2d" : "Upsample2d";

    private string AlignArgument => Bilinear ? $", alignCorners: {(AlignCorners ? "true" : "false")}" : string.Empty;

    private string ModeText => Bilinear ? "bilinear" : "nearest";

    private string AlignText => AlignCorners ? " (align_corners)" : string.Empty;
}
