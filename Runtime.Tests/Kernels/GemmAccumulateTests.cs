using StaticGrad.Kernels;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary><c>C += A·B</c> (used by the fused head to add the class blocks' hidden gradients) against the reference, for 1 and 2 threads.</summary>
public sealed class GemmAccumulateTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 33, 101)]
    [InlineData(45, 300, 13)]
    [InlineData(64, 1024, 512)]
    [InlineData(3, 600, 70)]
    public void AddsTheProduct_ToWhatCHolds(int m, int k, int n)
    {
        float[] a = KernelReference.Random(m * k, seed: 11);
        float[] b = KernelReference.Random(k * n, seed: 12);
        float[] initial = KernelReference.Random(m * n, seed: 13);
        (double[] product, double[] scale) = KernelReference.Gemm(a, b, m, k, n, transposeA: false, transposeB: false);
        float[]? first = null;
        foreach (int threads in new[] { 1, 2 })
        {
            float[] c = (float[])initial.Clone();
            using (Partition.Override(threads, splitAlways: threads > 1))
            {
                Gemm.MultiplyAccumulate(a, b, c, m, k, n);
            }

            for (int i = 0; i < m * n; i++)
            {
                KernelReference.AssertClose(initial[i] + product[i], c[i], (2e-5 * (scale[i] + 1)) + 1e-6, $"({m},{k},{n}) C[{i}], {threads} threads");
            }

            if (first is null)
            {
                first = c;
            }
            else
            {
                GemmShapeTests.AssertSameBits(first, c, $"({m},{k},{n}) 2 threads");
            }
        }
    }
}
