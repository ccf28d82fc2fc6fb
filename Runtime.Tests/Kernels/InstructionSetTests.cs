using System;
using System.Collections.Generic;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// The row kernels, the loss kernels and the GEMM give the same bits whatever the vector width: each width's
/// implementation is run explicitly (the <see cref="ISimdOps{TVec}"/> structs are generic arguments) and
/// compared with the scalar one. CI also runs this class under <c>DOTNET_EnableAVX512=0</c>,
/// <c>DOTNET_PreferredVectorBitWidth=128</c> and <c>DOTNET_EnableAVX2=0</c>.
/// </summary>
[Trait("Category", "InstructionSet")]
public sealed class InstructionSetTests
{
    /// <summary>Row lengths around every vector width and the 16 logical lanes, MNIST's 10 and a long row.</summary>
    public static readonly int[] Lengths = [1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 15, 16, 17, 23, 31, 32, 33, 37, 47, 64, 65, 100, 1000, 1031];

    [Fact]
    public void SoftmaxRowPasses_GiveTheSameBits_AtEveryWidth()
    {
        foreach (int n in Lengths)
        {
            float[] x = KernelReference.Random(n, seed: (ulong)n, -8f, 8f);
            float[] t = KernelReference.Random(n, seed: (ulong)n + 1000, 0f, 1f);
            float[] w = KernelReference.Random(n, seed: (ulong)n + 2000, 0f, 2f);
            w[n / 2] = 0f;
            WidthCases.AssertSameBitsAtEveryWidth(new RowCase(x, t, w), $"row of {n}");
        }
    }

    [Fact]
    public void BinaryCrossEntropy_GivesTheSameBits_AtEveryWidth()
    {
        foreach (int outputs in new[] { 1, 3, 10, 16, 37 })
        {
            const int Rows = 5;
            float[] logits = KernelReference.Random(Rows * outputs, seed: (ulong)outputs, -30f, 30f);
            logits[0] = 0f;
            float[] targets = KernelReference.Random(Rows * outputs, seed: (ulong)outputs + 7, 0f, 1f);
            float[] weights = KernelReference.Random(outputs, seed: (ulong)outputs + 8, 0.5f, 2f);
            WidthCases.AssertSameBitsAtEveryWidth(new BceCase(logits, targets, weights, Rows, outputs), $"BCE with {outputs} outputs");
        }
    }

    [Fact]
    public void Gemm_GivesTheSameBits_WithEveryMicrokernel()
    {
        // m <= 4 with B transposed takes the dot-product kernel; the others the tiles; k = 600 is three k blocks.
        int[][] shapes = [[1, 10, 7], [3, 33, 20], [4, 785, 10], [7, 19, 13], [64, 784, 128], [37, 600, 29]];
        foreach (int[] s in shapes)
        {
            (int m, int k, int n) = (s[0], s[1], s[2]);
            float[] a = KernelReference.Random(m * k, seed: (ulong)(m + k), -1f, 1f);
            float[] b = KernelReference.Random(k * n, seed: (ulong)(k + n), -1f, 1f);
            float[] bias = KernelReference.Random(n, seed: (ulong)n, -1f, 1f);
            float[]? first = null;
            string firstName = "";
            foreach (GemmIsa isa in GemmShapeTests.SupportedIsas())
            {
                List<float> all = [];
                GemmIsaSelector.Override(isa);
                try
                {
                    foreach (bool transposeB in new[] { false, true })
                    {
                        float[] c = new float[m * n];
                        if (transposeB)
                        {
                            Gemm.MultiplyTransposeB(a, b, c, m, k, n);
                        }
                        else
                        {
                            Gemm.Multiply(a, b, c, m, k, n);
                        }

                        all.AddRange(c);
                    }

                    foreach (Activation activation in new[] { Activation.None, Activation.Sigmoid, Activation.Tanh })
                    {
                        float[] y = new float[m * n];
                        LinearForward.Run(a, b, bias, y, m, k, n, activation);
                        all.AddRange(y);
                    }
                }
                finally
                {
                    GemmIsaSelector.Override(null);
                }

                if (first is null)
                {
                    (first, firstName) = ([.. all], isa.ToString());
                }
                else
                {
                    WidthCases.AssertSameBits(first, [.. all], $"GEMM {m}x{k}x{n}: {isa} against {firstName}");
                }
            }
        }
    }

    /// <summary>Every pass of <see cref="SoftmaxRow"/> on one row, results concatenated.</summary>
    private readonly struct RowCase(float[] x, float[] t, float[] w) : IWidthCase
    {
        public float[] Run<TOps, TVec>()
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            int n = x.Length;
            List<float> results = [];
            float max = SoftmaxRow.Max<TOps, TVec>(ref x[0], n);
            double sumExp = SoftmaxRow.SumExp<TOps, TVec>(ref x[0], max, n);
            results.Add(max);
            AddDouble(results, sumExp);
            AddDouble(results, SoftmaxRow.SumAsDouble<TOps, TVec>(ref x[0], n));
            AddDouble(results, SoftmaxRow.WeightedDistanceSum<TOps, TVec>(ref x[0], ref w[0], max, n));
            SoftmaxRow.ProbabilityTerms<TOps, TVec, ClassWeightVector>(ref x[0], ref t[0], ref w[0], max, 0.9f, 0.01f, n, out double k, out double d);
            AddDouble(results, k);
            AddDouble(results, d);

            float[] row = (float[])x.Clone();
            SoftmaxRow.WriteExpAffine<TOps, TVec>(ref row[0], max, (float)(1 / sumExp), -0.25f, n);
            results.AddRange(row);
            row = (float[])x.Clone();
            SoftmaxRow.WriteExpAffineWeighted<TOps, TVec>(ref row[0], max, 0.5f, ref w[0], -0.125f, n);
            results.AddRange(row);
            row = (float[])x.Clone();
            SoftmaxRow.WriteProbabilityGradient<TOps, TVec, UnitWeights>(ref row[0], ref t[0], ref w[0], max, 0.75f, 0.9f, 0.01f, n);
            results.AddRange(row);
            return [.. results];
        }

        private static void AddDouble(List<float> results, double value)
        {
            long bits = BitConverter.DoubleToInt64Bits(value);
            results.Add(BitConverter.Int32BitsToSingle((int)bits));
            results.Add(BitConverter.Int32BitsToSingle((int)(bits >> 32)));
        }
    }

    /// <summary>Both BCE entry points (loss and gradient, per-element losses) at one width.</summary>
    private readonly struct BceCase(float[] logits, float[] targets, float[] weights, int rows, int outputs) : IWidthCase
    {
        public float[] Run<TOps, TVec>()
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            float[] gradient = (float[])logits.Clone();
            float[] losses = new float[logits.Length];
            float loss = BinaryCrossEntropyWithLogits.Run<TOps, TVec>(gradient, targets, losses, rows, outputs, weights, weights, Reduction.Mean, writeGradient: true);
            return [loss, .. gradient, .. losses];
        }
    }
}
