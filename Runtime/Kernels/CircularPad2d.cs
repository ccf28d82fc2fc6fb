using System;

namespace StaticGrad.Kernels;

/// <summary>
/// Circular padding of image planes, <c>F.pad</c> with <c>mode='circular'</c> (what <c>nn.Conv2d(...,
/// padding_mode='circular')</c> applies before convolving): input <c>[batch, channels, height, width]</c> to output
/// <c>[batch, channels, top + height + bottom, left + width + right]</c>, the plane wrapped around, so the rows added above
/// are the last ones. Each amount is from 0 to the input's size along its axis (PyTorch refuses to wrap around more than
/// once). The backward pass adds the gradients of a value's copies onto it in output scan order.
/// </summary>
public static class CircularPad2d
{
    /// <summary>The forward pass.</summary>
    /// <param name="input"><c>[batch, channels, height, width]</c>.</param>
    /// <param name="output">Receives <c>[batch, channels, top + height + bottom, left + width + right]</c>; must not overlap <paramref name="input"/>.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="left">Columns added before each row (the last ones), 0 to <paramref name="width"/>.</param>
    /// <param name="right">Columns added after each row (the first ones), 0 to <paramref name="width"/>.</param>
    /// <param name="top">Rows added above (the last ones), 0 to <paramref name="height"/>.</param>
    /// <param name="bottom">Rows added below (the first ones), 0 to <paramref name="height"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range, or an amount is negative or above the input's size.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps.</exception>
    public static void Forward(
        ReadOnlySpan<float> input, Span<float> output, int batch, int channels, int height, int width, int left, int right, int top, int bottom)
        => EdgePad2d.Forward(input, output, batch, channels, height, width, left, right, top, bottom, PaddingMode.Circular);

    /// <summary>The backward pass: each input value's gradient is the sum of its copies' output gradients, added in output scan order; overwrites <paramref name="inputGradient"/>.</summary>
    /// <param name="outputGradient">dL/d(output), <c>[batch, channels, top + height + bottom, left + width + right]</c>.</param>
    /// <param name="inputGradient">Receives dL/d(input), <c>[batch, channels, height, width]</c>; must not overlap <paramref name="outputGradient"/>.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="left">The forward pass's columns before each row.</param>
    /// <param name="right">The forward pass's columns after each row.</param>
    /// <param name="top">The forward pass's rows above.</param>
    /// <param name="bottom">The forward pass's rows below.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range, or an amount is negative or above the input's size.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps.</exception>
    public static void Backward(
        ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch, int channels, int height, int width, int left, int right, int top, int bottom)
        => EdgePad2d.Backward(outputGradient, inputGradient, batch, channels, height, width, left, right, top, bottom, PaddingMode.Circular);
}
