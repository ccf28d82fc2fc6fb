using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// <see cref="SampleTile"/> with 256-bit vectors, the register tile of <see cref="Conv2dForwardBySamplesAvx2"/> and
/// <see cref="Conv2dInputGradientBySamplesAvx2"/>: fused multiply-add chains of up to 6 channels at up to 2 neighbouring
/// positions, each of 8 samples, where one step broadcasts each channel's weight once for both positions and loads each
/// position's vector once for all the channels.
/// </summary>
internal static unsafe class SampleTileAvx2
{
    /// <summary>
    /// One step of the chains: <c>a_k += w[k]·va</c> and <c>b_k += w[k]·vb</c> (fused) for the first
    /// <typeparamref name="TChannels"/> channels and <typeparamref name="TPositions"/> positions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Step<TChannels, TPositions>(
        float* w, Vector256<float> va, Vector256<float> vb,
        ref Vector256<float> a0, ref Vector256<float> a1, ref Vector256<float> a2, ref Vector256<float> a3, ref Vector256<float> a4, ref Vector256<float> a5,
        ref Vector256<float> b0, ref Vector256<float> b1, ref Vector256<float> b2, ref Vector256<float> b3, ref Vector256<float> b4, ref Vector256<float> b5)
        where TChannels : IConstant
        where TPositions : IConstant
    {
        Channel<TPositions>(w[0], va, vb, ref a0, ref b0);
        if (TChannels.Value > 1)
        {
            Channel<TPositions>(w[1], va, vb, ref a1, ref b1);
        }

        if (TChannels.Value > 2)
        {
            Channel<TPositions>(w[2], va, vb, ref a2, ref b2);
        }

        if (TChannels.Value > 3)
        {
            Channel<TPositions>(w[3], va, vb, ref a3, ref b3);
        }

        if (TChannels.Value > 4)
        {
            Channel<TPositions>(w[4], va, vb, ref a4, ref b4);
        }

        if (TChannels.Value > 5)
        {
            Channel<TPositions>(w[5], va, vb, ref a5, ref b5);
        }
    }

    /// <summary>
    /// The chains into the outputs: channel <c>k</c>'s at <c>sum + k·plane</c>, its positions 8 floats apart; stored
    /// (<paramref name="store"/>) or added to what is there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PutAll<TChannels, TPositions>(
        float* sum, nint plane, bool store,
        Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3, Vector256<float> a4, Vector256<float> a5,
        Vector256<float> b0, Vector256<float> b1, Vector256<float> b2, Vector256<float> b3, Vector256<float> b4, Vector256<float> b5)
        where TChannels : IConstant
        where TPositions : IConstant
    {
        Put<TPositions>(sum, a0, b0, store);
        if (TChannels.Value > 1)
        {
            Put<TPositions>(sum + plane, a1, b1, store);
        }

        if (TChannels.Value > 2)
        {
            Put<TPositions>(sum + (2 * plane), a2, b2, store);
        }

        if (TChannels.Value > 3)
        {
            Put<TPositions>(sum + (3 * plane), a3, b3, store);
        }

        if (TChannels.Value > 4)
        {
            Put<TPositions>(sum + (4 * plane), a4, b4, store);
        }

        if (TChannels.Value > 5)
        {
            Put<TPositions>(sum + (5 * plane), a5, b5, store);
        }
    }

    /// <summary>One channel's step: <c>a += w·va</c> and, with two positions, <c>b += w·vb</c> (fused).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Channel<TPositions>(float weight, Vector256<float> va, Vector256<float> vb, ref Vector256<float> a, ref Vector256<float> b)
        where TPositions : IConstant
    {
        Vector256<float> w = Vector256.Create(weight);
        a = Fma.MultiplyAdd(w, va, a);
        if (TPositions.Value > 1)
        {
            b = Fma.MultiplyAdd(w, vb, b);
        }
    }

    /// <summary>One channel's chains at the tile's positions, stored or added to the outputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put<TPositions>(float* sum, Vector256<float> a, Vector256<float> b, bool store)
        where TPositions : IConstant
    {
        Put(sum, a, store);
        if (TPositions.Value > 1)
        {
            Put(sum + SampleLanesAvx2.Lanes, b, store);
        }
    }

    /// <summary>A chain stored, or added to the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* sum, Vector256<float> chain, bool store)
    {
        if (store)
        {
            chain.Store(sum);
        }
        else
        {
            (Vector256.Load(sum) + chain).Store(sum);
        }
    }
}
