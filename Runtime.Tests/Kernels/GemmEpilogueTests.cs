using System;
using StaticGrad.Kernels;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="LinearForward"/> (the product with bias and activation fused into the microkernel's store,
/// or the dot-product path for one to four rows) against the reference, for every activation, every
/// microkernel family and 1, 2 and 3 threads with identical bits; and the other multithreaded kernels
/// (<see cref="ActivationBackward"/>, the optimizer steps) giving identical bits for any split.
/// </summary>
public sealed class GemmEpilogueTests
{
    private static readonly int[][] LinearShapes =
    [
        [1, 784, 128], [1, 128, 10], [2, 33, 17], [3, 100, 1], [4, 785, 33], [5, 784, 10], [12, 16, 32], [13, 17, 33],
        [64, 784, 128], [64, 128, 10], [37, 300, 200], [250, 41, 70], [1, 5, 1100], [6, 1100, 3],
    ];

    public static TheoryData<int, Activation> LinearCases()
    {
        var data = new TheoryData<int, Activation>();
        for (int s = 0; s < LinearShapes.Length; s++)
        {
            foreach (Activation activation in KernelReference.EpilogueActivations)
            {
                data.Add(s, activation);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(LinearCases))]
    public void LinearForward_MatchesReference_WithIdenticalBitsForAnySplit(int shape, Activation activation)
    {
        int batch = LinearShapes[shape][0], inputs = LinearShapes[shape][1], outputs = LinearShapes[shape][2];
        float[] x = KernelReference.Random(batch * inputs, seed: (ulong)(batch + inputs));
        float[] w = KernelReference.Random(outputs * inputs, seed: (ulong)(outputs + 17), -0.2f, 0.2f);
        float[] bias = KernelReference.Random(outputs, seed: (ulong)(outputs + 99));
        double[] expected = KernelReference.Linear(x, w, bias, batch, inputs, outputs, activation);

        foreach (GemmIsa isa in GemmShapeTests.SupportedIsas())
        {
            float[] single = Linear(isa, x, w, bias, batch, inputs, outputs, activation, threads: 1);
            for (int i = 0; i < single.Length; i++)
            {
                double z = 0;
                for (int p = 0; p < inputs; p++)
                {
                    z += Math.Abs((double)x[((i / outputs) * inputs) + p] * w[((i % outputs) * inputs) + p]);
                }

                double tolerance = (2e-5 * (z + Math.Abs(bias[i % outputs]))) + 2e-6;
                KernelReference.AssertClose(expected[i], single[i], tolerance, $"{isa} {activation} ({batch},{inputs},{outputs}) y[{i / outputs},{i % outputs}]");
            }

            foreach (int threads in new[] { 2, 3 })
            {
                float[] split = Linear(isa, x, w, bias, batch, inputs, outputs, activation, threads);
                GemmShapeTests.AssertSameBits(single, split, $"{isa} {activation} ({batch},{inputs},{outputs}) with {threads} threads");
            }
        }
    }

    [Theory]
    [InlineData(Activation.None)]
    [InlineData(Activation.ReLU)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Tanh)]
    public void ApplyAndReduceBias_SameBitsForAnySplit(Activation activation)
    {
        foreach ((int rows, int cols) in new[] { (1, 1), (64, 128), (37, 1000), (300, 33), (5, 2049) })
        {
            float[] g = KernelReference.Random(rows * cols, seed: 11);
            float[] y = KernelReference.Random(rows * cols, seed: 12, low: 0.01f, high: 0.99f);
            float[] g1 = (float[])g.Clone(), bias1 = new float[cols];
            using (Partition.Override(1, splitAlways: false))
            {
                ActivationBackward.ApplyAndReduceBias(g1, y, bias1, rows, cols, activation);
            }

            foreach (int threads in new[] { 2, 3, 4 })
            {
                float[] gt = (float[])g.Clone(), biasT = new float[cols];
                biasT.AsSpan().Fill(float.NaN);
                using (Partition.Override(threads, splitAlways: true))
                {
                    ActivationBackward.ApplyAndReduceBias(gt, y, biasT, rows, cols, activation);
                }

                GemmShapeTests.AssertSameBits(g1, gt, $"{activation} gradient ({rows},{cols}) {threads} threads");
                GemmShapeTests.AssertSameBits(bias1, biasT, $"{activation} bias gradient ({rows},{cols}) {threads} threads");
            }

            // And the values themselves, against a plain loop in double.
            for (int c = 0; c < cols; c++)
            {
                double sum = 0;
                for (int r = 0; r < rows; r++)
                {
                    double yv = y[(r * cols) + c], gv = g[(r * cols) + c];
                    double d = activation switch
                    {
                        Activation.ReLU => yv > 0 ? 1 : 0,
                        Activation.Sigmoid => yv * (1 - yv),
                        Activation.Tanh => 1 - (yv * yv),
                        _ => 1,
                    };
                    sum += gv * d;
                }

                KernelReference.AssertClose(sum, bias1[c], 1e-5 * (rows + 1), $"{activation} bias[{c}]");
            }
        }
    }

    [Fact]
    public void OptimizerSteps_SameBitsForAnySplit()
    {
        const int Count = 40_007; // a prime: every split ends in a scalar tail somewhere
        foreach (bool adam in new[] { true, false })
        {
            float[]? reference = null;
            foreach (int threads in new[] { 1, 2, 3, 5 })
            {
                var parameters = new ParameterSet([new ParameterTensor("w", 0, [Count], fanIn: 10)]);
                parameters.Initialize(new Rng(3));
                IOptimizer optimizer = adam
                    ? new Adam(parameters, learningRate: 1e-2f, weightDecay: 1e-3f, amsgrad: true)
                    : new Sgd(parameters, learningRate: 1e-2f, momentum: 0.9f, nesterov: true, weightDecay: 1e-3f);
                using (Partition.Override(threads, splitAlways: threads > 1))
                {
                    for (int step = 0; step < 3; step++)
                    {
                        KernelReference.Random(Count, seed: (ulong)(step + 50)).CopyTo(parameters.Gradients);
                        optimizer.Step();
                    }
                }

                float[] values = parameters.Values.ToArray();
                if (reference is null)
                {
                    reference = values;
                }
                else
                {
                    GemmShapeTests.AssertSameBits(reference, values, $"{(adam ? "Adam" : "SGD")} with {threads} threads");
                }
            }
        }
    }

    private static float[] Linear(GemmIsa isa, float[] x, float[] w, float[] bias, int batch, int inputs, int outputs, Activation activation, int threads)
    {
        float[] y = new float[batch * outputs];
        y.AsSpan().Fill(float.NaN);
        using (Partition.Override(threads, splitAlways: threads > 1))
        {
            GemmIsaSelector.Override(isa);
            try
            {
                LinearForward.Run(x, w, bias, y, batch, inputs, outputs, activation);
            }
            finally
            {
                GemmIsaSelector.Override(null);
            }
        }

        return y;
    }
}
