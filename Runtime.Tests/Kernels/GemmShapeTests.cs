using System;
using System.Collections.Generic;
using StaticGrad.Kernels;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// The blocked, packed, multithreaded matrix products against the double-precision reference on many
/// shapes (1 to 2,100 along each dimension, odd and prime sizes, every edge of the 12 × 32 / 6 × 16
/// tiles and of the cache blocks), in all three layouts and with every microkernel family this machine
/// runs; and 1, 2, 3 and 5 threads giving bit-identical results.
/// </summary>
public sealed class GemmShapeTests
{
    /// <summary>(m, k, n): tile edges (12/32, 6/16), the seed model's shapes, GEMV rows, the Mc = 240, Kc = 256 and Nc = 2048 blocks.</summary>
    private static readonly int[][] ShapeList =
    [
        [1, 1, 1], [1, 1100, 1], [1100, 1, 1], [1, 1, 1100], [2, 3, 5], [7, 11, 13], [3, 517, 2],
        [12, 32, 32], [13, 33, 33], [11, 31, 31], [6, 16, 16], [5, 17, 15], [4, 300, 17], [24, 256, 64], [25, 257, 65],
        [31, 29, 37], [97, 101, 103], [64, 784, 128], [127, 64, 784], [10, 64, 128], [64, 10, 128], [64, 128, 10],
        [241, 513, 97], [480, 37, 50], [1, 784, 128], [2, 784, 130], [4, 1000, 37], [5, 784, 10], [3, 7, 129],
        [1100, 20, 45], [45, 1100, 20], [20, 45, 1100], [17, 1100, 40], [5, 300, 2100], [257, 2, 33], [8, 16, 48],
    ];

    public static TheoryData<GemmTests.Form, int> Cases()
    {
        var data = new TheoryData<GemmTests.Form, int>();
        foreach (GemmTests.Form form in Enum.GetValues<GemmTests.Form>())
        {
            for (int s = 0; s < ShapeList.Length; s++)
            {
                data.Add(form, s);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryKernelFamily_MatchesReference_AndEveryThreadCountGivesTheSameBits(GemmTests.Form form, int shape)
    {
        int m = ShapeList[shape][0], k = ShapeList[shape][1], n = ShapeList[shape][2];
        float[] a = KernelReference.Random(m * k, seed: (ulong)((m * 7919) + k));
        float[] b = KernelReference.Random(k * n, seed: (ulong)((k * 104729) + n));
        (double[] expected, double[] scale) = KernelReference.Gemm(a, b, m, k, n, form == GemmTests.Form.TransposeA, form == GemmTests.Form.TransposeB);

        foreach (GemmIsa isa in SupportedIsas())
        {
            float[] single = Run(form, isa, a, b, m, k, n, threads: 1, splitAlways: false);
            for (int i = 0; i < m * n; i++)
            {
                KernelReference.AssertClose(expected[i], single[i], (2e-5 * scale[i]) + 1e-6, $"{isa} {form} ({m},{k},{n}) C[{i / n},{i % n}]");
            }

            foreach (int threads in new[] { 2, 3, 5 })
            {
                float[] split = Run(form, isa, a, b, m, k, n, threads, splitAlways: true);
                AssertSameBits(single, split, $"{isa} {form} ({m},{k},{n}) with {threads} threads");
            }
        }
    }

    [Fact]
    public void EdgeSizes_OneToFortyAlongEachDimension()
    {
        // Every remainder of the 12- and 6-row slivers and the 32- and 16-column panels, against the reference.
        foreach (GemmIsa isa in SupportedIsas())
        {
            for (int size = 1; size <= 40; size++)
            {
                foreach (GemmTests.Form form in Enum.GetValues<GemmTests.Form>())
                {
                    foreach ((int m, int k, int n) in new[] { (size, 9, 35), (13, size, 7), (14, 5, size) })
                    {
                        float[] a = KernelReference.Random(m * k, seed: (ulong)(size + 1));
                        float[] b = KernelReference.Random(k * n, seed: (ulong)(size + 1000));
                        (double[] expected, double[] scale) = KernelReference.Gemm(a, b, m, k, n, form == GemmTests.Form.TransposeA, form == GemmTests.Form.TransposeB);
                        float[] c = Run(form, isa, a, b, m, k, n, threads: 2, splitAlways: true);
                        for (int i = 0; i < m * n; i++)
                        {
                            KernelReference.AssertClose(expected[i], c[i], (2e-5 * scale[i]) + 1e-6, $"{isa} {form} ({m},{k},{n}) C[{i / n},{i % n}]");
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void OutputIsOverwritten_AndNothingPastItIsTouched()
    {
        foreach (GemmIsa isa in SupportedIsas())
        {
            foreach (GemmTests.Form form in Enum.GetValues<GemmTests.Form>())
            {
                foreach ((int m, int k, int n) in new[] { (13, 300, 35), (2, 50, 17), (37, 3, 1) })
                {
                    float[] a = KernelReference.Random(m * k, seed: 5);
                    float[] b = KernelReference.Random(k * n, seed: 6);
                    float[] c = new float[(m * n) + 40];
                    c.AsSpan(0, m * n).Fill(float.NaN);
                    c.AsSpan(m * n).Fill(12345f);
                    using (Partition.Override(2, splitAlways: true))
                    {
                        GemmIsaSelector.Override(isa);
                        try
                        {
                            Multiply(form, a, b, c, m, k, n);
                        }
                        finally
                        {
                            GemmIsaSelector.Override(null);
                        }
                    }

                    for (int i = 0; i < m * n; i++)
                    {
                        Assert.False(float.IsNaN(c[i]), $"{isa} {form} ({m},{k},{n}) C[{i}] not written");
                    }

                    for (int i = m * n; i < c.Length; i++)
                    {
                        Assert.Equal(12345f, c[i]);
                    }
                }
            }
        }
    }

    [Fact]
    public void SpansOfExactLength_AtTheEndOfAnArray_AreNotOverrun()
    {
        // Operands that end exactly where their array ends (masked loads must not read past them).
        foreach (GemmIsa isa in SupportedIsas())
        {
            foreach (GemmTests.Form form in Enum.GetValues<GemmTests.Form>())
            {
                const int M = 7, K = 19, N = 13;
                float[] a = KernelReference.Random(M * K, seed: 1);
                float[] b = KernelReference.Random(K * N, seed: 2);
                float[] c = new float[M * N];
                GemmIsaSelector.Override(isa);
                try
                {
                    Multiply(form, a.AsSpan(0, M * K), b.AsSpan(0, K * N), c, M, K, N);
                }
                finally
                {
                    GemmIsaSelector.Override(null);
                }

                (double[] expected, double[] scale) = KernelReference.Gemm(a, b, M, K, N, form == GemmTests.Form.TransposeA, form == GemmTests.Form.TransposeB);
                for (int i = 0; i < M * N; i++)
                {
                    KernelReference.AssertClose(expected[i], c[i], (2e-5 * scale[i]) + 1e-6, $"{isa} {form} C[{i}]");
                }
            }
        }
    }

    [Fact]
    public void Microkernel_NamesTheSelectedFamily()
    {
        Assert.False(string.IsNullOrWhiteSpace(Gemm.Microkernel));
        if (GemmIsaSelector.Best == GemmIsa.Avx512)
        {
            Assert.StartsWith("AVX-512", Gemm.Microkernel, StringComparison.Ordinal);
        }
    }

    /// <summary>The microkernel families this machine can run (the portable one always).</summary>
    internal static IEnumerable<GemmIsa> SupportedIsas()
    {
        foreach (GemmIsa isa in Enum.GetValues<GemmIsa>())
        {
            if (GemmIsaSelector.IsSupported(isa))
            {
                yield return isa;
            }
        }
    }

    internal static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                throw new Xunit.Sdk.XunitException($"{what}: element {i} is {actual[i]:R}, single-threaded gave {expected[i]:R}.");
            }
        }
    }

    private static float[] Run(GemmTests.Form form, GemmIsa isa, float[] a, float[] b, int m, int k, int n, int threads, bool splitAlways)
    {
        float[] c = new float[m * n];
        using (Partition.Override(threads, splitAlways))
        {
            GemmIsaSelector.Override(isa);
            try
            {
                Multiply(form, a, b, c, m, k, n);
            }
            finally
            {
                GemmIsaSelector.Override(null);
            }
        }

        return c;
    }

    internal static void Multiply(GemmTests.Form form, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
    {
        switch (form)
        {
            case GemmTests.Form.Plain:
                Gemm.Multiply(a, b, c, m, k, n);
                break;
            case GemmTests.Form.TransposeA:
                Gemm.MultiplyTransposeA(a, b, c, m, k, n);
                break;
            default:
                Gemm.MultiplyTransposeB(a, b, c, m, k, n);
                break;
        }
    }
}
