using System;

namespace StaticGrad.Kernels;

/// <summary>
/// Reflection padding of image planes, PyTorch's <c>nn.ReflectionPad2d((left, right, top, bottom))</c> (<c>F.pad</c> with
/// <c>mode='reflect'</c>): input <c>[batch, channels, height, width]</c> to output
/// <c>[batch, channels, top + height + bottom, left + width + right]</c>, each added row or column the mirror image of the
/// ones inside the edge (the edge itself not repeated). Each amount must be below the input's size along its axis; a
/// negative amount crops that side, as in PyTorch. The passes copy and add values as PyTorch 1.13's do, in the same order,
/// so the results are PyTorch's bits for any thread count.
/// </summary>
public static class ReflectionPad2d
{
    /// <summary>The forward pass.</summary>
    /// <param name="input"><c>[batch, channels, height, width]</c>.</param>
    /// <param name="output">Receives <c>[batch, channels, top + height + bottom, left + width + right]</c>; must not overlap <paramref name="input"/>.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="left">Columns added before each row, below <paramref name="width"/> (negative: columns removed).</param>
    /// <param name="right">Columns added after each row, below <paramref name="width"/> (negative: columns removed).</param>
    /// <param name="top">Rows added above, below <paramref name="height"/> (negative: rows removed).</param>
    /// <param name="bottom">Rows added below, below <paramref name="height"/> (negative: rows removed).</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range, an amount is not below the input's size, or the padded height or width is not positive.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps.</exception>
    public static void Forward(
        ReadOnlySpan<float> input, Span<float> output, int batch, int channels, int height, int width, int left, int right, int top, int bottom)
        => EdgePad2d.Forward(input, output, batch, channels, height, width, left, right, top, bottom, PaddingMode.Reflect);

    /// <summary>
    /// The backward pass: each input value's gradient is the sum of the output gradients of the positions that copied it
    /// (up to four), added in output scan order; overwrites <paramref name="inputGradient"/>.
    /// </summary>
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
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range, an amount is not below the input's size, or the padded height or width is not positive.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps.</exception>
    public static void Backward(
        ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch, int channels, int height, int width, int left, int right, int top, int bottom)
        => EdgePad2d.Backward(outputGradient, inputGradient, batch, channels, height, width, left, right, top, bottom, PaddingMode.Reflect);
}
