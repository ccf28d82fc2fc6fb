using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticGrad.Kernels;

/// <summary>
/// Per-thread packing buffers of <see cref="Gemm"/>: pinned, 64-byte aligned, sized for the largest blocking a
/// thread has used (an <c>Mc × Kc</c> A block and a <c>Kc × Nc</c> B panel: 2.3 MB with the fallback blocking)
/// the first time it multiplies, then reused, so no later call allocates whichever part a thread picks up.
/// Thread-static, so concurrent callers and the pool's workers never share one.
/// </summary>
internal sealed unsafe class GemmWorkspace
{
    /// <summary>Floats in the parking tile: the largest microkernel tile (12 × 32).</summary>
    public const int ParkLength = 12 * 32;

    [ThreadStatic]
    private static GemmWorkspace? t_current;

    private readonly float[] _aArray;
    private readonly float[] _bArray;
    private readonly float[] _parkArray;

    private GemmWorkspace(int mc, int nc)
    {
        Mc = mc;
        Nc = nc;
        _aArray = Allocate(mc * GemmBlocking.KcMax, out float* a);
        _bArray = Allocate(GemmBlocking.KcMax * nc, out float* b);
        _parkArray = Allocate(ParkLength, out float* park);
        A = a;
        B = b;
        Park = park;
    }

    /// <summary>The A block rows this workspace holds.</summary>
    public int Mc { get; }

    /// <summary>The B panel columns this workspace holds.</summary>
    public int Nc { get; }

    /// <summary><c>Mc × KcMax</c> floats for packed A.</summary>
    public float* A { get; }

    /// <summary><c>KcMax × Nc</c> floats for packed B.</summary>
    public float* B { get; }

    /// <summary><see cref="ParkLength"/> floats where the microkernel leaves edge tiles and epilogue tiles.</summary>
    public float* Park { get; }

    /// <summary>The calling thread's workspace, grown if it holds less than an <paramref name="mc"/> × <paramref name="nc"/> blocking.</summary>
    public static GemmWorkspace For(int mc, int nc)
    {
        GemmWorkspace? current = t_current;
        if (current is null || current.Mc < mc || current.Nc < nc)
        {
            current = t_current = new GemmWorkspace(Math.Max(mc, current?.Mc ?? 0), Math.Max(nc, current?.Nc ?? 0));
        }

        return current;
    }

    private static float[] Allocate(int length, out float* aligned)
    {
        float[] array = GC.AllocateUninitializedArray<float>(length + 16, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        aligned = (float*)((address + 63) & ~(nint)63);
        return array;
    }
}
