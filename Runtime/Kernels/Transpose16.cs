using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>The transpose of a 16 × 16 block of floats held in sixteen 512-bit vectors.</summary>
internal static unsafe class Transpose16
{
    /// <summary>
    /// Transposes <c>rows[0..15]</c> in place (row <c>k</c> lane <c>m</c> becomes row <c>m</c> lane <c>k</c>): the sixteen rows
    /// loaded into locals, transposed there (<see cref="Locals"/>), stored back. With loops over <c>rows</c> the JIT stored
    /// and reloaded each round (128 stores per transpose), which made the transposes 14% of LeNet-5's conv2 forward
    /// (docs/performance.md).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void InRegisters(Vector512<float>* rows)
    {
        Vector512<float> r0 = rows[0];
        Vector512<float> r1 = rows[1];
        Vector512<float> r2 = rows[2];
        Vector512<float> r3 = rows[3];
        Vector512<float> r4 = rows[4];
        Vector512<float> r5 = rows[5];
        Vector512<float> r6 = rows[6];
        Vector512<float> r7 = rows[7];
        Vector512<float> r8 = rows[8];
        Vector512<float> r9 = rows[9];
        Vector512<float> r10 = rows[10];
        Vector512<float> r11 = rows[11];
        Vector512<float> r12 = rows[12];
        Vector512<float> r13 = rows[13];
        Vector512<float> r14 = rows[14];
        Vector512<float> r15 = rows[15];
        Locals(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7, ref r8, ref r9, ref r10, ref r11, ref r12, ref r13, ref r14, ref r15);
        rows[0] = r0;
        rows[1] = r1;
        rows[2] = r2;
        rows[3] = r3;
        rows[4] = r4;
        rows[5] = r5;
        rows[6] = r6;
        rows[7] = r7;
        rows[8] = r8;
        rows[9] = r9;
        rows[10] = r10;
        rows[11] = r11;
        rows[12] = r12;
        rows[13] = r13;
        rows[14] = r14;
        rows[15] = r15;
    }

    /// <summary>
    /// Transposes sixteen locals (row <c>k</c> lane <c>m</c> becomes row <c>m</c> lane <c>k</c>), which the JIT keeps in
    /// registers once the call is inlined: four rounds of in-lane unpacks (by 1 float, then by 2 as doubles) and 128-bit
    /// shuffles (of rows 4 apart, then 8 apart).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Locals(
        ref Vector512<float> r0, ref Vector512<float> r1, ref Vector512<float> r2, ref Vector512<float> r3, ref Vector512<float> r4, ref Vector512<float> r5, ref Vector512<float> r6, ref Vector512<float> r7, ref Vector512<float> r8, ref Vector512<float> r9, ref Vector512<float> r10, ref Vector512<float> r11, ref Vector512<float> r12, ref Vector512<float> r13, ref Vector512<float> r14, ref Vector512<float> r15)
    {
        Vector512<float> t0 = Avx512F.UnpackLow(r0, r1), t1 = Avx512F.UnpackHigh(r0, r1);
        Vector512<float> t2 = Avx512F.UnpackLow(r2, r3), t3 = Avx512F.UnpackHigh(r2, r3);
        Vector512<float> t4 = Avx512F.UnpackLow(r4, r5), t5 = Avx512F.UnpackHigh(r4, r5);
        Vector512<float> t6 = Avx512F.UnpackLow(r6, r7), t7 = Avx512F.UnpackHigh(r6, r7);
        Vector512<float> t8 = Avx512F.UnpackLow(r8, r9), t9 = Avx512F.UnpackHigh(r8, r9);
        Vector512<float> t10 = Avx512F.UnpackLow(r10, r11), t11 = Avx512F.UnpackHigh(r10, r11);
        Vector512<float> t12 = Avx512F.UnpackLow(r12, r13), t13 = Avx512F.UnpackHigh(r12, r13);
        Vector512<float> t14 = Avx512F.UnpackLow(r14, r15), t15 = Avx512F.UnpackHigh(r14, r15);
        r0 = Avx512F.UnpackLow(t0.AsDouble(), t2.AsDouble()).AsSingle();
        r1 = Avx512F.UnpackHigh(t0.AsDouble(), t2.AsDouble()).AsSingle();
        r2 = Avx512F.UnpackLow(t1.AsDouble(), t3.AsDouble()).AsSingle();
        r3 = Avx512F.UnpackHigh(t1.AsDouble(), t3.AsDouble()).AsSingle();
        r4 = Avx512F.UnpackLow(t4.AsDouble(), t6.AsDouble()).AsSingle();
        r5 = Avx512F.UnpackHigh(t4.AsDouble(), t6.AsDouble()).AsSingle();
        r6 = Avx512F.UnpackLow(t5.AsDouble(), t7.AsDouble()).AsSingle();
        r7 = Avx512F.UnpackHigh(t5.AsDouble(), t7.AsDouble()).AsSingle();
        r8 = Avx512F.UnpackLow(t8.AsDouble(), t10.AsDouble()).AsSingle();
        r9 = Avx512F.UnpackHigh(t8.AsDouble(), t10.AsDouble()).AsSingle();
        r10 = Avx512F.UnpackLow(t9.AsDouble(), t11.AsDouble()).AsSingle();
        r11 = Avx512F.UnpackHigh(t9.AsDouble(), t11.AsDouble()).AsSingle();
        r12 = Avx512F.UnpackLow(t12.AsDouble(), t14.AsDouble()).AsSingle();
        r13 = Avx512F.UnpackHigh(t12.AsDouble(), t14.AsDouble()).AsSingle();
        r14 = Avx512F.UnpackLow(t13.AsDouble(), t15.AsDouble()).AsSingle();
        r15 = Avx512F.UnpackHigh(t13.AsDouble(), t15.AsDouble()).AsSingle();
        t0 = Avx512F.Shuffle4x128(r0, r4, 0x88);
        t4 = Avx512F.Shuffle4x128(r0, r4, 0xDD);
        t1 = Avx512F.Shuffle4x128(r1, r5, 0x88);
        t5 = Avx512F.Shuffle4x128(r1, r5, 0xDD);
        t2 = Avx512F.Shuffle4x128(r2, r6, 0x88);
        t6 = Avx512F.Shuffle4x128(r2, r6, 0xDD);
        t3 = Avx512F.Shuffle4x128(r3, r7, 0x88);
        t7 = Avx512F.Shuffle4x128(r3, r7, 0xDD);
        t8 = Avx512F.Shuffle4x128(r8, r12, 0x88);
        t12 = Avx512F.Shuffle4x128(r8, r12, 0xDD);
        t9 = Avx512F.Shuffle4x128(r9, r13, 0x88);
        t13 = Avx512F.Shuffle4x128(r9, r13, 0xDD);
        t10 = Avx512F.Shuffle4x128(r10, r14, 0x88);
        t14 = Avx512F.Shuffle4x128(r10, r14, 0xDD);
        t11 = Avx512F.Shuffle4x128(r11, r15, 0x88);
        t15 = Avx512F.Shuffle4x128(r11, r15, 0xDD);
        r0 = Avx512F.Shuffle4x128(t0, t8, 0x88);
        r8 = Avx512F.Shuffle4x128(t0, t8, 0xDD);
        r1 = Avx512F.Shuffle4x128(t1, t9, 0x88);
        r9 = Avx512F.Shuffle4x128(t1, t9, 0xDD);
        r2 = Avx512F.Shuffle4x128(t2, t10, 0x88);
        r10 = Avx512F.Shuffle4x128(t2, t10, 0xDD);
        r3 = Avx512F.Shuffle4x128(t3, t11, 0x88);
        r11 = Avx512F.Shuffle4x128(t3, t11, 0xDD);
        r4 = Avx512F.Shuffle4x128(t4, t12, 0x88);
        r12 = Avx512F.Shuffle4x128(t4, t12, 0xDD);
        r5 = Avx512F.Shuffle4x128(t5, t13, 0x88);
        r13 = Avx512F.Shuffle4x128(t5, t13, 0xDD);
        r6 = Avx512F.Shuffle4x128(t6, t14, 0x88);
        r14 = Avx512F.Shuffle4x128(t6, t14, 0xDD);
        r7 = Avx512F.Shuffle4x128(t7, t15, 0x88);
        r15 = Avx512F.Shuffle4x128(t7, t15, 0xDD);
    }
}
