using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// A product, <c>y = x * source</c>: the previous member's output times the output of an earlier member named with
/// <c>nameof</c> (or the model input). Two tensors of one shape multiply elementwise; an image <c>[C, H, W]</c> and one
/// value per channel (<c>[C, 1, 1]</c> or flat <c>[C]</c>, in either order) multiply each plane by its channel's value, as
/// PyTorch broadcasts <c>x * s</c> in a squeeze-and-excitation block; an image and a one-channel map <c>[1, H, W]</c>
/// multiply each channel by the map, as a spatial attention gate. The backward pass reads both factors.
/// </summary>
/// <param name="Source">The member whose output is the second factor (<c>Model.Input</c> for the model input).</param>
internal sealed record MultiplyOp(string Source) : Op
{
    /// <summary>Parses <c>[Multiply(nameof(Member))]</c>; the parser checks that the member exists and comes earlier.</summary>
    public static Op? Parse(AttributeReader r)
        => r.Reference() is { } source ? new MultiplyOp(source) : null;

    public override string Name => "Multiply";

    public override string? Skip => Source;

    public override bool TakesImages => true;

    public override bool InputsAgree(EquatableArray<TensorShape> inputs) => Broadcast.Of(inputs[0], inputs[1]) is not null;

    public override string AgreementRule
        => "[Multiply] takes two outputs of the same shape, or an image [B, C, H, W] and one value per channel ([B, C, 1, 1] or [B, C]) or per pixel ([B, 1, H, W])";

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs)
        => Broadcast.Of(inputs[0], inputs[1]) is { Image: >= 0 } b ? inputs[b.Image] : inputs[0];

    public override bool BackwardReadsInputs => true;

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output) => Broadcast.Of(inputs[0], inputs[1])?.Kind switch
    {
        BroadcastKind.ByChannel => "Multiply by channel",
        BroadcastKind.ByPixel => "Multiply by pixel",
        _ => "Multiply",
    };

    public override string Construct(string parameterSet, System.Collections.Generic.IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => $"new global::StaticGrad.Residual(global::StaticGrad.ResidualKind.Multiply, {OpEmitContext.Literal(Source)})";

    public override string OnnxExpression(OnnxEmitContext c)
    {
        Broadcast b = Broadcast.Of(c.InputShapes[0], c.InputShapes[1])!.Value;
        if (b.Kind != BroadcastKind.ByChannel || c.InputShapes[b.Other].IsImage)
        {
            return OnnxEmitContext.Call("Mul", c.Inputs[0], c.Inputs[1]);
        }

        // A flat [N, C] scale becomes [N, C, 1, 1], which ONNX broadcasts over the planes as PyTorch does.
        string scale = OnnxEmitContext.Call("Reshape", c.Inputs[b.Other], OpEmitContext.Int(c.InputShapes[b.Other].Channels), "1", "1");
        return b.Image == 0 ? OnnxEmitContext.Call("Mul", c.Inputs[0], scale) : OnnxEmitContext.Call("Mul", scale, c.Inputs[1]);
    }

    public override void EmitForward(OpEmitContext c, bool training)
    {
        Broadcast b = Broadcast.Of(c.InputShapes[0], c.InputShapes[1])!.Value;
        if (b.Kind == BroadcastKind.Elementwise)
        {
            c.Line($"// {c.Output} {c.OutputShape} = {c.Inputs[0]} * {c.Inputs[1]}, elementwise");
            c.Line($"{OpEmitContext.Kernels}.Multiply.Forward({c.Inputs[0]}, {c.Inputs[1]}, {c.Output}, batch * {OpEmitContext.Int(c.OutputFeatures)});");
            return;
        }

        string image = c.Inputs[b.Image], other = c.Inputs[b.Other];
        string what = b.Kind == BroadcastKind.ByChannel ? "each plane times its channel's value" : "each channel times the map";
        c.Line($"// {c.Output} {c.OutputShape} = {image} {c.InputShapes[b.Image]} * {other} {c.InputShapes[b.Other]}, {what}");
        c.Line($"{OpEmitContext.Kernels}.Multiply.Forward{b.Kind}({image}, {other}, {c.Output}, batch, {OpEmitContext.Planes(c.OutputShape)});");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        Broadcast b = Broadcast.Of(c.InputShapes[0], c.InputShapes[1])!.Value;
        string first = c.InputGradients[0] ?? OpEmitContext.Empty;
        string second = c.InputGradients[1] ?? OpEmitContext.Empty;
        if (b.Kind == BroadcastKind.Elementwise)
        {
            c.Line($"//   the gradient of each factor is {c.OutputGradient} times the other factor");
            c.Line($"{OpEmitContext.Kernels}.Multiply.Backward({c.OutputGradient}, {c.Inputs[0]}, {c.Inputs[1]}, {first}, {second}, batch * {OpEmitContext.Int(c.OutputFeatures)});");
            return;
        }

        string imageGradient = b.Image == 0 ? first : second;
        string otherGradient = b.Image == 0 ? second : first;
        c.Line(b.Kind == BroadcastKind.ByChannel
            ? $"//   the image's gradient is {c.OutputGradient} times each channel's value; each value's is the sum over its plane of {c.OutputGradient} times the image"
            : $"//   the image's gradient is {c.OutputGradient} times the map; each map value's is the sum over the channels of {c.OutputGradient} times the image");
        c.Line($"{OpEmitContext.Kernels}.Multiply.Backward{b.Kind}({c.OutputGradient}, {c.Inputs[b.Image]}, {c.Inputs[b.Other]}, {imageGradient}, {otherGradient}, batch, {OpEmitContext.Planes(c.OutputShape)});");
    }

    /// <summary>How the two factors meet; the names of the broadcasting kernels (<c>ForwardByChannel</c>, <c>BackwardByPixel</c>) follow it.</summary>
    private enum BroadcastKind
    {
        Elementwise,
        ByChannel,
        ByPixel,
    }

    /// <summary>How two shapes multiply, and which input is the image the other one scales (-1 for elementwise).</summary>
    private readonly record struct Broadcast(BroadcastKind Kind, int Image)
    {
        /// <summary>The input that is not the image.</summary>
        public int Other => 1 - Image;

        /// <summary>
        /// Equal shapes multiply elementwise, whatever they are; an image and one value per channel of it, or an image and a
        /// one-channel map of its size, broadcast; null when the shapes fit none of these.
        /// </summary>
        public static Broadcast? Of(TensorShape first, TensorShape second)
            => first == second ? new Broadcast(BroadcastKind.Elementwise, -1)
                : ScalesChannels(first, second) ? new Broadcast(BroadcastKind.ByChannel, 0)
                : ScalesChannels(second, first) ? new Broadcast(BroadcastKind.ByChannel, 1)
                : ScalesPixels(first, second) ? new Broadcast(BroadcastKind.ByPixel, 0)
                : ScalesPixels(second, first) ? new Broadcast(BroadcastKind.ByPixel, 1)
                : null;

        /// <summary>Whether <paramref name="scale"/> holds one value per channel of the image <paramref name="image"/>.</summary>
        private static bool ScalesChannels(TensorShape image, TensorShape scale)
            => image.IsImage && scale.Channels == image.Channels && scale.Height == 1 && scale.Width == 1;

        /// <summary>Whether <paramref name="map"/> is a one-channel image of <paramref name="image"/>'s height and width.</summary>
        private static bool ScalesPixels(TensorShape image, TensorShape map)
            => image.IsImage && map.IsImage && map.Channels == 1 && map.Height == image.Height && map.Width == image.Width;
    }
}
