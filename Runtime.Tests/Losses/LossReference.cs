using System;

namespace StaticGrad.Runtime.Tests.Losses;

/// <summary>
/// The cross-entropy family straight from PyTorch's definitions (DESIGN.md, "PyTorch semantics to match"), in
/// double, with no shared code with the kernels: the reference for finite differences and stability tests.
/// </summary>
internal static class LossReference
{
    /// <summary>Class-index cross-entropy with weights, ignore index and label smoothing; returns the reduced loss and fills <paramref name="perSample"/>.</summary>
    public static double CrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int rows, int classes, float[]? weights, int ignoreIndex, double smoothing, Reduction reduction, double[]? perSample = null)
    {
        double nll = 0, smooth = 0, weightSum = 0;
        for (int n = 0; n < rows; n++)
        {
            if (labels[n] == ignoreIndex)
            {
                if (perSample is not null)
                {
                    perSample[n] = 0;
                }

                continue;
            }

            double[] logP = LogSoftmax(logits.Slice(n * classes, classes));
            double wy = W(weights, labels[n]);
            double rowNll = -wy * logP[labels[n]];
            double rowSmooth = 0;
            for (int c = 0; c < classes; c++)
            {
                double wc = W(weights, c);
                if (wc != 0)
                {
                    rowSmooth -= wc * logP[c];
                }
            }

            nll += rowNll;
            smooth += rowSmooth;
            weightSum += wy;
            if (perSample is not null)
            {
                perSample[n] = ((1 - smoothing) * rowNll) + (smoothing / classes * (smoothing == 0 ? 0 : rowSmooth));
            }
        }

        double smoothTerm = smoothing == 0 ? 0 : smoothing / classes * smooth;
        return reduction == Reduction.Mean
            ? ((1 - smoothing) * nll / weightSum) + (smoothing == 0 ? 0 : smoothing / classes * smooth / weightSum)
            : ((1 - smoothing) * nll) + smoothTerm;
    }

    /// <summary>Class-probability cross-entropy: <c>-Σ w_c ((1-e) t_c + e/C) log p_c</c>, mean over rows; 0·log 0 = 0.</summary>
    public static double ProbabilityCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int rows, int classes, float[]? weights, double smoothing, Reduction reduction, double[]? perSample = null)
    {
        double total = 0;
        for (int n = 0; n < rows; n++)
        {
            double[] logP = LogSoftmax(logits.Slice(n * classes, classes));
            double row = 0;
            for (int c = 0; c < classes; c++)
            {
                double k = W(weights, c) * (((1 - smoothing) * targets[(n * classes) + c]) + (smoothing / classes));
                if (k != 0)
                {
                    row -= k * logP[c];
                }
            }

            total += row;
            if (perSample is not null)
            {
                perSample[n] = row;
            }
        }

        return reduction == Reduction.Mean ? total / rows : total;
    }

    /// <summary>BCE with logits: <c>-w [p y log σ(x) + (1-y) log(1-σ(x))]</c>, mean over all elements.</summary>
    public static double BinaryCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int rows, int outputs, float[]? weights, float[]? posWeight, Reduction reduction, double[]? perElement = null)
    {
        double total = 0;
        for (int i = 0; i < rows * outputs; i++)
        {
            double x = logits[i], y = targets[i];
            int k = i % outputs;
            double p = posWeight is null ? 1 : posWeight[k];

            // log σ(x) = -softplus(-x), log(1 - σ(x)) = -softplus(x).
            double loss = W(weights, k) * ((p * y * Softplus(-x)) + ((1 - y) * Softplus(x)));
            total += loss;
            if (perElement is not null)
            {
                perElement[i] = loss;
            }
        }

        return reduction == Reduction.Mean ? total / (rows * outputs) : total;
    }

    /// <summary><c>log softmax</c> of one row in double (<c>-∞</c> stays <c>-∞</c>).</summary>
    public static double[] LogSoftmax(ReadOnlySpan<float> row)
    {
        double max = double.NegativeInfinity;
        foreach (float x in row)
        {
            max = Math.Max(max, x);
        }

        double sum = 0;
        foreach (float x in row)
        {
            sum += Math.Exp(x - max);
        }

        double logSum = Math.Log(sum);
        double[] result = new double[row.Length];
        for (int c = 0; c < row.Length; c++)
        {
            result[c] = row[c] - max - logSum;
        }

        return result;
    }

    /// <summary><c>log(1 + e^x)</c>, accurate for any x (a two-term series where <c>1 + e^-|x|</c> would round).</summary>
    private static double Softplus(double x)
    {
        double e = Math.Exp(-Math.Abs(x));
        return Math.Max(x, 0) + (e < 1e-8 ? e - (e * e / 2) : Math.Log(1 + e));
    }

    private static double W(float[]? weights, int index) => weights is null ? 1.0 : weights[index];
}
