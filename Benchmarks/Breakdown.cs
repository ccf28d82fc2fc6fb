using System;
using System.Globalization;
using StaticGrad.Kernels;

namespace StaticGrad.Benchmarks;

/// <summary>
/// Times each kernel call of one 784-H-10 training step separately, with 1 and with all threads, and sets each against
/// its roofline: the time the call would take at the FMA peak (<see cref="FmaPeak"/>) or at the read bandwidth
/// (<see cref="ReadBandwidth"/>) of the level its operands fit in, whichever is longer, with every core the column uses.
/// </summary>
public static class Breakdown
{
    /// <summary>Bytes per core up to which a kernel's operands count as L2-resident (the smallest L2 of the machines measured).</summary>
    private const int L2Bytes = 1 << 20;

    /// <summary>Bytes up to which a kernel's operands count as L3-resident (well inside the L3 of the machines measured).</summary>
    private const int L3Bytes = 16 << 20;

    /// <summary>Prints one line per kernel call, then the step's total.</summary>
    public static int Run(string[] args)
    {
        int hidden = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 128;
        int batch = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
        const int Inputs = 784, Classes = 10;
        (float[] x, int[] labels) = Steps.Data(batch);
        var rng = new Rng(3);
        float[] w1 = Random(rng, hidden * Inputs), b1 = Random(rng, hidden), w2 = Random(rng, Classes * hidden), b2 = Random(rng, Classes);
        float[] h = new float[batch * hidden], logits = new float[batch * Classes], dh = new float[batch * hidden];
        float[] gw1 = new float[hidden * Inputs], gb1 = new float[hidden], gw2 = new float[Classes * hidden], gb2 = new float[Classes];
        var parameters = new ParameterSet([new ParameterTensor("w", 0, [hidden, Inputs], Inputs), new ParameterTensor("b", hidden * Inputs, [hidden], Inputs)]);
        var adam = new Adam(parameters);

        (double peak, int bits) = FmaPeak.Measure();
        double l2 = ReadBandwidth.Measure(L2Bytes / 2), l3 = ReadBandwidth.Measure(L3Bytes / 2), far = ReadBandwidth.Measure(64 << 20);
        int threads = Parallelism.MaxThreads;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"784-{hidden}-10, batch {batch}, Adam; load {Compare.LoadAverage()}"));
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"one core, measured now: FMA peak ({bits}-bit) {peak:F1} GFLOP/s; read bandwidth {l2:F1} GB/s from 512 KB (L2), {l3:F1} GB/s from 8 MB (L3), {far:F1} GB/s from 64 MB"));
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"roofline = max(FLOP / peak, bytes / bandwidth) on {threads} cores; the L2 bandwidth while the bytes per core are at most {L2Bytes >> 10} KB, the L3 one up to {L3Bytes >> 20} MB in all, else the 64 MB one; bytes count each operand read or written once"));
        Console.WriteLine();
        Console.WriteLine($"| kernel | MFLOP | KB | 1 thread µs | {threads} threads µs | roofline µs | of roofline | share of step |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");

        long f = sizeof(float);
        Row[] rows =
        [
            Time("fc1 forward, LinearForward 784->H, ReLU", 2.0 * batch * Inputs * hidden, f * ((batch * Inputs) + (hidden * Inputs) + hidden + (batch * hidden)),
                () => LinearForward.Run(x, w1, b1, h, batch, Inputs, hidden, Activation.ReLU)),
            Time("fc2 forward, LinearForward H->10", 2.0 * batch * hidden * Classes, f * ((batch * hidden) + (Classes * hidden) + Classes + (batch * Classes)),
                () => LinearForward.Run(h, w2, b2, logits, batch, hidden, Classes, Activation.None)),
            Time("loss, SoftmaxCrossEntropy B x 10", 0, f * ((2 * batch * Classes) + batch),
                () => SoftmaxCrossEntropy.ForwardBackward(logits, labels, batch, Classes, 0f, Reduction.Mean)),
            Time("fc2 bias gradient, ApplyAndReduceBias", 0, f * ((2 * batch * Classes) + Classes),
                () => ActivationBackward.ApplyAndReduceBias(logits, logits, gb2, batch, Classes, Activation.None)),
            Time("fc2 weight gradient, Gemm.MultiplyTransposeA 10xBxH", 2.0 * Classes * batch * hidden, f * ((batch * Classes) + (batch * hidden) + (Classes * hidden)),
                () => Gemm.MultiplyTransposeA(logits, h, gw2, Classes, batch, hidden)),
            Time("fc1 output gradient, Gemm.Multiply Bx10xH", 2.0 * batch * Classes * hidden, f * ((batch * Classes) + (Classes * hidden) + (batch * hidden)),
                () => Gemm.Multiply(logits, w2, dh, batch, Classes, hidden)),
            Time("fc1 bias gradient and ReLU', ApplyAndReduceBias", 0, f * ((3 * batch * hidden) + hidden),
                () => ActivationBackward.ApplyAndReduceBias(dh, h, gb1, batch, hidden, Activation.ReLU)),
            Time("fc1 weight gradient, Gemm.MultiplyTransposeA HxBx784", 2.0 * hidden * batch * Inputs, f * ((batch * hidden) + (batch * Inputs) + (hidden * Inputs)),
                () => Gemm.MultiplyTransposeA(dh, x, gw1, hidden, batch, Inputs)),
            Time("Adam step (fc1's parameters)", 0, f * 7L * parameters.Values.Length, adam.Step),
        ];

        double total = 0;
        foreach (Row row in rows)
        {
            total += row.All;
        }

        double roofTotal = 0;
        foreach (Row row in rows)
        {
            double perCore = row.Bytes / threads;
            double bandwidth = perCore <= L2Bytes ? l2 : row.Bytes <= L3Bytes ? l3 : far;
            double roof = Math.Max(row.Flops / (peak * threads), row.Bytes / (bandwidth * threads)) / 1e3;
            roofTotal += roof;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {row.Name} | {row.Flops / 1e6:F2} | {row.Bytes / 1024.0:F0} | {row.One:F2} | {row.All:F2} | {roof:F2} | {100 * roof / row.All:F0}% | {100 * row.All / total:F0}% |"));
        }

        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| the step's kernels | | | | {total:F2} | {roofTotal:F2} | {100 * roofTotal / total:F0}% | 100% |"));
        return 0;
    }

    /// <summary>Times <paramref name="action"/> with 1 thread and with <see cref="Parallelism.MaxThreads"/>.</summary>
    private static Row Time(string name, double flops, long bytes, Action action)
    {
        int saved = Parallelism.MaxThreads;
        Parallelism.MaxThreads = 1;
        var step = new ActionStep(action);
        (double one, _) = Timing.Measure(ref step, repeats: 5, runSeconds: 0.05, warmupSeconds: 0.5);
        Parallelism.MaxThreads = saved;
        (double all, _) = Timing.Measure(ref step, repeats: 5, runSeconds: 0.05, warmupSeconds: 0.2);
        return new Row(name, flops, bytes, one, all);
    }

    private static float[] Random(Rng rng, int length)
    {
        float[] values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = rng.NextSingle(-0.1f, 0.1f);
        }

        return values;
    }

    private readonly struct ActionStep(Action action) : ITimedStep
    {
        public void Run() => action();
    }

    /// <summary>One kernel call: its work, its bytes, and its median µs with 1 and with all threads.</summary>
    private readonly record struct Row(string Name, double Flops, long Bytes, double One, double All);
}
