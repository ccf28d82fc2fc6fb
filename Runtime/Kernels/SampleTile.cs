using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// The register tile of the kernels that vectorize over samples (<see cref="Conv2dForwardBySamples"/>,
/// <see cref="Conv2dInputGradientBySamples"/>): fused multiply-add chains of up to 6 channels at up to 3 neighbouring
/// positions, each of 16 samples, where one step broadcasts each channel's weight once for all the positions and loads
/// each position's vector once for all the channels.
/// </summary>
internal static unsafe class SampleTile
{
    /// <summary>
    /// One step of the chains: <c>a_k += w[k]·va</c>, <c>b_k += w[k]·vb</c>, <c>c_k += w[k]·vc</c> (fused) for the first
    /// <typeparamref name="TChannels"/> channels and <typeparamref name="TPositions"/> positions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Step<TChannels, TPositions>(
        float* w, Vector512<float> va, Vector512<float> vb, Vector512<float> vc,
        ref Vector512<float> a0, ref Vector512<float> a1, ref Vector512<float> a2, ref Vector512<float> a3, ref Vector512<float> a4, ref Vector512<float> a5, ref Vector512<float> b0, ref Vector512<float> b1, ref Vector512<float> b2, ref Vector512<float> b3, ref Vector512<float> b4, ref Vector512<float> b5, ref Vector512<float> c0, ref Vector512<float> c1, ref Vector512<float> c2, ref Vector512<float> c3, ref Vector512<float> c4, ref Vector512<float> c5)
        where TChannels : IConstant
        where TPositions : IConstant
    {
        Vector512<float> w0 = Vector512.Create(w[0]);
        a0 = Avx512F.FusedMultiplyAdd(w0, va, a0);
        if (TPositions.Value > 1)
        {
            b0 = Avx512F.FusedMultiplyAdd(w0, vb, b0);
        }

        if (TPositions.Value > 2)
        {
            c0 = Avx512F.FusedMultiplyAdd(w0, vc, c0);
        }

        if (TChannels.Value > 1)
        {
            Vector512<float> w1 = Vector512.Create(w[1]);
            a1 = Avx512F.FusedMultiplyAdd(w1, va, a1);
            if (TPositions.Value > 1)
            {
                b1 = Avx512F.FusedMultiplyAdd(w1, vb, b1);
            }

            if (TPositions.Value > 2)
            {
                c1 = Avx512F.FusedMultiplyAdd(w1, vc, c1);
            }
        }

        if (TChannels.Value > 2)
        {
            Vector512<float> w2 = Vector512.Create(w[2]);
            a2 = Avx512F.FusedMultiplyAdd(w2, va, a2);
            if (TPositions.Value > 1)
            {
                b2 = Avx512F.FusedMultiplyAdd(w2, vb, b2);
            }

            if (TPositions.Value > 2)
            {
                c2 = Avx512F.FusedMultiplyAdd(w2, vc, c2);
            }
        }

        if (TChannels.Value > 3)
        {
            Vector512<float> w3 = Vector512.Create(w[3]);
            a3 = Avx512F.FusedMultiplyAdd(w3, va, a3);
            if (TPositions.Value > 1)
            {
                b3 = Avx512F.FusedMultiplyAdd(w3, vb, b3);
            }

            if (TPositions.Value > 2)
            {
                c3 = Avx512F.FusedMultiplyAdd(w3, vc, c3);
            }
        }

        if (TChannels.Value > 4)
        {
            Vector512<float> w4 = Vector512.Create(w[4]);
            a4 = Avx512F.FusedMultiplyAdd(w4, va, a4);
            if (TPositions.Value > 1)
            {
                b4 = Avx512F.FusedMultiplyAdd(w4, vb, b4);
            }

            if (TPositions.Value > 2)
            {
                c4 = Avx512F.FusedMultiplyAdd(w4, vc, c4);
            }
        }

        if (TChannels.Value > 5)
        {
            Vector512<float> w5 = Vector512.Create(w[5]);
            a5 = Avx512F.FusedMultiplyAdd(w5, va, a5);
            if (TPositions.Value > 1)
            {
                b5 = Avx512F.FusedMultiplyAdd(w5, vb, b5);
            }

            if (TPositions.Value > 2)
            {
                c5 = Avx512F.FusedMultiplyAdd(w5, vc, c5);
            }
        }
    }

    /// <summary>
    /// The chains into the outputs: channel <c>k</c>'s at <c>sum + k·plane</c>, its positions 16 floats apart; stored
    /// (<paramref name="store"/>) or added to what is there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PutAll<TChannels, TPositions>(
        float* sum, nint plane, bool store,
        Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3, Vector512<float> a4, Vector512<float> a5, Vector512<float> b0, Vector512<float> b1, Vector512<float> b2, Vector512<float> b3, Vector512<float> b4, Vector512<float> b5, Vector512<float> c0, Vector512<float> c1, Vector512<float> c2, Vector512<float> c3, Vector512<float> c4, Vector512<float> c5)
        where TChannels : IConstant
        where TPositions : IConstant
    {
        Put(sum, a0, b0, c0, TPositions.Value, store);

        if (TChannels.Value > 1)
        {
            Put(sum + plane, a1, b1, c1, TPositions.Value, store);
        }

        if (TChannels.Value > 2)
        {
            Put(sum + (2 * plane), a2, b2, c2, TPositions.Value, store);
        }

        if (TChannels.Value > 3)
        {
            Put(sum + (3 * plane), a3, b3, c3, TPositions.Value, store);
        }

        if (TChannels.Value > 4)
        {
            Put(sum + (4 * plane), a4, b4, c4, TPositions.Value, store);
        }

        if (TChannels.Value > 5)
        {
            Put(sum + (5 * plane), a5, b5, c5, TPositions.Value, store);
        }
    }

    /// <summary>One channel's chains at the first <paramref name="positions"/> positions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* sum, Vector512<float> first, Vector512<float> second, Vector512<float> third, int positions, bool store)
    {
        Put(sum, first, store);
        if (positions > 1)
        {
            Put(sum + SampleLanes.Lanes, second, store);
        }

        if (positions > 2)
        {
            Put(sum + (2 * SampleLanes.Lanes), third, store);
        }
    }

    /// <summary>A chain stored, or added to the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* sum, Vector512<float> chain, bool store)
    {
        if (store)
        {
            chain.Store(sum);
        }
        else
        {
            (Vector512.Load(sum) + chain).Store(sum);
        }
    }
}
