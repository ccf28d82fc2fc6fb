using System;

namespace StaticGrad;

/// <summary>
/// The convolution layers' scratch memory for inference (<c>Forward</c>, <c>Predict</c>), which may run on several threads
/// at once: one buffer per calling thread, shared by the convolutions that thread runs one after another and grown once
/// to the largest, so concurrent inference never shares scratch memory with another call or with a layer's training
/// workspace.
/// </summary>
internal static class InferenceScratch
{
    [ThreadStatic]
    private static float[]? t_buffer;

    /// <summary>The calling thread's buffer, cut to <paramref name="length"/> floats (grown first if it is shorter).</summary>
    public static Span<float> Rent(int length)
    {
        float[]? buffer = t_buffer;
        if (buffer is null || buffer.Length < length)
        {
            t_buffer = buffer = new float[length];
        }

        return buffer.AsSpan(0, length);
    }
}
