using System;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>
/// The generated backward of a whole model (every activation, smoothed sum-reduced loss) against
/// finite differences of an independent double-precision forward.
/// </summary>
public sealed class ModelGradientTests
{
    private const int Batch = 5;
    private static readonly int[] Widths = { 7, 6, 5, 4, 3 };

    [Fact]
    public void GeneratedBackwardMatchesFiniteDifferences()
    {
        var model = new TinyDeepModel(seed: 12, maxBatch: Batch);
        var rng = new Rng(99);
        var inputs = new float[Batch * 7];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = rng.NextSingle(-2f, 2f);
        }

        int[] labels = { 0, 2, 1, 2, 0 };
        float loss = model.TrainStep(inputs, labels, Batch);
        float[] analytic = model.Parameters.Gradients.ToArray();
        float[] values = model.Parameters.Values.ToArray();

        Assert.Equal(ReferenceLoss(values, inputs, labels), loss, 4);
        int checkedElements = GradientCheck.AssertGradientMatches(
            () => ReferenceLoss(values, inputs, labels),
            values,
            analytic,
            "TinyDeepModel parameters",
            eps: 1e-3,
            relativeTolerance: 1e-3,
            absoluteTolerance: 1e-5,
            maxElements: values.Length);
        Assert.Equal(model.Parameters.Count, checkedElements);
    }

    /// <summary>tanh, sigmoid, ReLU hidden layers, then softmax cross-entropy with label smoothing 0.2, summed.</summary>
    private static double ReferenceLoss(float[] parameters, float[] inputs, int[] labels)
    {
        const double smoothing = 0.2;
        double total = 0;
        for (int n = 0; n < Batch; n++)
        {
            double[] x = new double[7];
            for (int i = 0; i < 7; i++)
            {
                x[i] = inputs[(n * 7) + i];
            }

            int offset = 0;
            for (int layer = 0; layer < 4; layer++)
            {
                int fanIn = Widths[layer];
                int fanOut = Widths[layer + 1];
                double[] y = new double[fanOut];
                for (int o = 0; o < fanOut; o++)
                {
                    double sum = parameters[offset + (fanIn * fanOut) + o];
                    for (int i = 0; i < fanIn; i++)
                    {
                        sum += parameters[offset + (o * fanIn) + i] * x[i];
                    }

                    y[o] = layer switch
                    {
                        0 => Math.Tanh(sum),
                        1 => 1 / (1 + Math.Exp(-sum)),
                        2 => Math.Max(0, sum),
                        _ => sum,
                    };
                }

                offset += (fanIn * fanOut) + fanOut;
                x = y;
            }

            double max = double.NegativeInfinity;
            foreach (double v in x)
            {
                max = Math.Max(max, v);
            }

            double logSum = 0;
            foreach (double v in x)
            {
                logSum += Math.Exp(v - max);
            }

            logSum = Math.Log(logSum) + max;
            double smoothTerm = 0;
            foreach (double v in x)
            {
                smoothTerm -= v - logSum;
            }

            total += ((1 - smoothing) * (logSum - x[labels[n]])) + (smoothing / x.Length * smoothTerm);
        }

        return total;
    }
}
