using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticGrad.Kernels;

/// <summary>
/// The normalization kernels' sums, each in 8 interleaved lanes (value <c>i</c> of a run into lane <c>i mod 8</c>, in
/// order) combined in one fixed tree, <c>((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7))</c>: one add's latency per 8
/// values instead of per value, and the same bits on every machine (a <see cref="Vector256{T}"/> holds the lanes, or
/// software does where it is not accelerated). A sum over several runs keeps adding into the same lanes, each run from its
/// lane 0.
/// </summary>
internal static unsafe class LaneSums
{
    /// <summary>The lanes of a double sum.</summary>
    public struct Doubles
    {
        public Vector256<double> Low;
        public Vector256<double> High;

        /// <summary>Adds 8 values, one into each lane (<paramref name="low"/> into lanes 0-3).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(Vector256<double> low, Vector256<double> high)
        {
            Low += low;
            High += high;
        }

        /// <summary>The lanes' total.</summary>
        public readonly double Total()
        {
            double l0 = Low.GetElement(0), l1 = Low.GetElement(1), l2 = Low.GetElement(2), l3 = Low.GetElement(3);
            double l4 = High.GetElement(0), l5 = High.GetElement(1), l6 = High.GetElement(2), l7 = High.GetElement(3);
            return ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7));
        }

        /// <summary>Adds <paramref name="value"/> into lane <paramref name="lane"/> (a run's tail).</summary>
        public void AddToLane(int lane, double value)
        {
            if (lane < 4)
            {
                Low = Low.WithElement(lane, Low.GetElement(lane) + value);
            }
            else
            {
                High = High.WithElement(lane - 4, High.GetElement(lane - 4) + value);
            }
        }
    }

    /// <summary>The lanes of a float sum.</summary>
    public struct Floats
    {
        public Vector256<float> Lanes;

        /// <summary>The lanes' total.</summary>
        public readonly float Total()
        {
            Vector256<float> l = Lanes;
            return ((l.GetElement(0) + l.GetElement(1)) + (l.GetElement(2) + l.GetElement(3))) + ((l.GetElement(4) + l.GetElement(5)) + (l.GetElement(6) + l.GetElement(7)));
        }

        /// <summary>Adds <paramref name="value"/> into lane <paramref name="lane"/> (a run's tail).</summary>
        public void AddToLane(int lane, float value) => Lanes = Lanes.WithElement(lane, Lanes.GetElement(lane) + value);
    }

    /// <summary>The mean and <c>1/sqrt(var + eps)</c> (biased variance) of <paramref name="count"/> values, both in double lanes and rounded once.</summary>
    public static (float Mean, float Rstd) Statistics(float* x, int count, float eps)
    {
        (double mean, double variance) = MeanAndVariance(x, count);
        return ((float)mean, (float)(1.0 / System.Math.Sqrt(variance + eps)));
    }

    /// <summary>The mean and biased variance of <paramref name="count"/> values, in double lanes: the sum, then the squared deviations from the mean.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double Mean, double Variance) MeanAndVariance(float* x, int count)
    {
        var sum = default(Doubles);
        int i = 0;
        for (; i + 8 <= count; i += 8)
        {
            (Vector256<double> low, Vector256<double> high) = Vector256.Widen(Vector256.Load(x + i));
            sum.Add(low, high);
        }

        for (int lane = 0; i < count; i++, lane++)
        {
            sum.AddToLane(lane, x[i]);
        }

        double mean = sum.Total() / count;
        var squares = default(Doubles);
        Vector256<double> m = Vector256.Create(mean);
        for (i = 0; i + 8 <= count; i += 8)
        {
            (Vector256<double> low, Vector256<double> high) = Vector256.Widen(Vector256.Load(x + i));
            Vector256<double> dl = low - m, dh = high - m;
            squares.Add(dl * dl, dh * dh);
        }

        for (int lane = 0; i < count; i++, lane++)
        {
            double d = x[i] - mean;
            squares.AddToLane(lane, d * d);
        }

        return (mean, squares.Total() / count);
    }
}
