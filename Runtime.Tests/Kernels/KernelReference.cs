using System;
using StaticGrad.Kernels;

namespace StaticGrad.Runtime.Tests;

/// <summary>Straightforward scalar double-precision references for the kernels, and test data.</summary>
internal static class KernelReference
{
    /// <summary>The activations the GEMM epilogue and ActivationBackward apply (the others run as ops of their own).</summary>
    public static readonly Activation[] EpilogueActivations = { Activation.None, Activation.ReLU, Activation.Sigmoid, Activation.Tanh };

    /// <summary>The odd sizes every kernel is tested on.</summary>
    public static readonly int[] OddSizes = [1, 7, 33, 785];

    /// <summary><paramref name="length"/> floats uniform in [-1, 1) from a seeded <see cref="Rng"/>.</summary>
    public static float[] Random(int length, ulong seed, float low = -1f, float high = 1f)
    {
        var rng = new Rng(seed);
        float[] values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = rng.NextSingle(low, high);
        }

        return values;
    }

    /// <summary>Labels uniform in [0, classes).</summary>
    public static int[] RandomLabels(int length, int classes, ulong seed)
    {
        var rng = new Rng(seed);
        int[] labels = new int[length];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = rng.NextInt32(classes);
        }

        return labels;
    }

    /// <summary>
    /// Reference product <c>C = op(A)·op(B)</c> in double with, per element, <c>Σ|a·b|</c> (the scale of the rounding
    /// error a float kernel may make). <paramref name="transposeA"/>: A is stored <c>[k, m]</c>; <paramref name="transposeB"/>: B is <c>[n, k]</c>.
    /// </summary>
    public static (double[] Product, double[] AbsoluteSum) Gemm(float[] a, float[] b, int m, int k, int n, bool transposeA, bool transposeB)
    {
        double[] c = new double[m * n];
        double[] abs = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, sumAbs = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = transposeA ? a[(p * m) + i] : a[(i * k) + p];
                    double bv = transposeB ? b[(j * k) + p] : b[(p * n) + j];
                    sum += av * bv;
                    sumAbs += Math.Abs(av * bv);
                }

                c[(i * n) + j] = sum;
                abs[(i * n) + j] = sumAbs;
            }
        }

        return (c, abs);
    }

    /// <summary>The activation in double.</summary>
    public static double Activate(double x, Activation activation) => activation switch
    {
        Activation.None => x,
        Activation.ReLU => Math.Max(0, x),
        Activation.Sigmoid => 1 / (1 + Math.Exp(-x)),
        Activation.Tanh => Math.Tanh(x),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    /// <summary>The activation's derivative at <paramref name="x"/>, in double, from its definition (not from y).</summary>
    public static double Derivative(double x, Activation activation) => activation switch
    {
        Activation.None => 1,
        Activation.ReLU => x > 0 ? 1 : 0,
        Activation.Sigmoid => Math.Exp(-x) / ((1 + Math.Exp(-x)) * (1 + Math.Exp(-x))),
        Activation.Tanh => 1 / (Math.Cosh(x) * Math.Cosh(x)),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    /// <summary><c>act(input·weightᵀ + bias)</c> in double, <c>[batch, outputs]</c>.</summary>
    public static double[] Linear(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int batch, int inputs, int outputs, Activation activation)
    {
        double[] y = new double[batch * outputs];
        for (int r = 0; r < batch; r++)
        {
            for (int o = 0; o < outputs; o++)
            {
                double z = bias[o];
                for (int i = 0; i < inputs; i++)
                {
                    z += (double)input[(r * inputs) + i] * weight[(o * inputs) + i];
                }

                y[(r * outputs) + o] = Activate(z, activation);
            }
        }

        return y;
    }

    /// <summary>
    /// PyTorch's cross-entropy with label smoothing, straight from the definition in double:
    /// per row <c>(1-e)·(-log p_y) + (e/C)·Σ_c(-log p_c)</c> (the smoothing term skipped when e = 0).
    /// </summary>
    public static double CrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int rows, int classes, double smoothing, Reduction reduction)
    {
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = logits.Slice(r * classes, classes);
            double[] logP = LogSoftmax(row);
            double loss = (1 - smoothing) * -logP[labels[r]];
            if (smoothing != 0)
            {
                double uniform = 0;
                foreach (double lp in logP)
                {
                    uniform += -lp;
                }

                loss += smoothing / classes * uniform;
            }

            total += loss;
        }

        return reduction == Reduction.Mean ? total / rows : total;
    }

    /// <summary>The gradient of <see cref="CrossEntropy"/>: <c>(p - ((1-e)·onehot + e/C)) · scale</c>.</summary>
    public static double[] CrossEntropyGradient(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int rows, int classes, double smoothing, Reduction reduction)
    {
        double scale = reduction == Reduction.Mean ? 1.0 / rows : 1.0;
        double[] gradient = new double[rows * classes];
        for (int r = 0; r < rows; r++)
        {
            double[] logP = LogSoftmax(logits.Slice(r * classes, classes));
            for (int c = 0; c < classes; c++)
            {
                double target = (c == labels[r] ? 1 - smoothing : 0) + (smoothing / classes);
                gradient[(r * classes) + c] = (Math.Exp(logP[c]) - target) * scale;
            }
        }

        return gradient;
    }

    /// <summary>The mean of <c>(output - target)²</c> over every element, in double.</summary>
    public static double MeanSquaredError(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets)
    {
        double sum = 0;
        for (int i = 0; i < outputs.Length; i++)
        {
            double d = outputs[i] - (double)targets[i];
            sum += d * d;
        }

        return sum / outputs.Length;
    }

    /// <summary><c>log softmax</c> of one row in double.</summary>
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

    /// <summary>Asserts <c>|actual - expected| ≤ tolerance</c>, naming the index on failure.</summary>
    public static void AssertClose(double expected, double actual, double tolerance, string what)
    {
        if (!(Math.Abs(actual - expected) <= tolerance))
        {
            throw new Xunit.Sdk.XunitException($"{what}: expected {expected:R}, got {actual:R} (error {Math.Abs(actual - expected):E3} > {tolerance:E3}).");
        }
    }
}
