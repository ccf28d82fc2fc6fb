namespace StaticGrad.Kernels;

/// <summary>
/// A max pool's backward pass as the source of the output gradient of the convolution before it
/// (<see cref="Conv2d.BackwardWeightFromMaxPool"/>): the pool's output gradient, indices and (through the convolution's
/// fused ReLU) window maxima, from which a weight-gradient part builds each sample's output gradient in its own slot
/// while it is in L1, instead of reading a batch-sized gradient another pass wrote.
/// </summary>
internal unsafe struct MaxPoolGradient
{
    /// <summary>dL/d(pool output), <c>[batch, channels, outHeight, outWidth]</c>; null when the job has no pool.</summary>
    public float* Gradient;

    /// <summary>The window maxima (the pool's output) when the ReLU's derivative is applied on the way, else null.</summary>
    public float* Maxima;

    /// <summary>The forward pass's indices, same shape as <see cref="Gradient"/>.</summary>
    public int* Indices;

    /// <summary>The pool's shape over the whole batch (its input planes are the convolution's output planes).</summary>
    public Pool2dGeometry Geometry;

    /// <summary>Channels of a sample (the convolution's output channels).</summary>
    public int Channels;

    /// <summary>Whether the job's output gradient comes from this pool.</summary>
    public readonly bool IsSet => Gradient != null;

    /// <summary>
    /// Channels <c>[first, end)</c> of sample <paramref name="sample"/>'s dL/d(pool input) into <paramref name="sampleGradient"/>,
    /// one sample's planes at their places (<see cref="MaxPool2d.BackwardPlanes"/>: the same values the batch pass writes).
    /// </summary>
    public readonly void Build(int sample, int first, int end, float* sampleGradient)
    {
        long plane = ((long)sample * Channels) + first;
        nint at = (nint)(plane * Geometry.OutputPlane);
        MaxPool2d.BackwardPlanes(
            Gradient + at, Maxima == null ? null : Maxima + at, Indices + at, sampleGradient + ((nint)first * Geometry.InputPlane), end - first, plane, Geometry);
    }
}
