using System;
using System.Diagnostics;
using System.Globalization;
using StaticGrad.Kernels;

namespace StaticGrad.Benchmarks;

/// <summary>
/// <c>lenet-sequence [--steps N]</c>: LeNet-5's training step (batch 64, without the loss and the optimizer) as the
/// generated code runs it, kernel after kernel on the same buffers, each call timed where it sits in the sequence. Alone
/// (<c>conv</c>) a kernel finds its data in its own core's cache; in the step it finds what the kernels before it left,
/// possibly in the other core's cache. Each kernel's mean over the steps and its median step. Threads: <c>STATICGRAD_THREADS</c>.
/// </summary>
public static class LeNetSequence
{
    private const int Batch = 64;

    private static readonly string[] Names =
    [
        "conv1 forward + ReLU", "pool1 forward", "conv2 forward + ReLU", "pool2 forward", "fc1 forward", "fc2 forward", "fc3 forward",
        "fc3 backward", "fc2 backward", "fc1 backward", "pool2 backward through ReLU", "conv2 weight + bias gradient",
        "conv2 input gradient", "conv1 weight + bias gradient from pool1's (its backward inside)",
    ];

    /// <summary>Runs the sequence and prints each kernel's mean time per step.</summary>
    public static int Run(string[] args)
    {
        int steps = args.Length > 1 && args[0] == "--steps" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2000;
        Console.WriteLine($"machine: {Compare.CpuName()}, {Environment.ProcessorCount} cores; StaticGrad threads {Parallelism.MaxThreads}");
        Console.WriteLine($"load average before: {Compare.LoadAverage()}");
        var step = new Sequence();
        // At least five seconds of warm-up, as `lenet`'s: under `dotnet run` the SDK's process keeps about one core busy
        // for some 3 s after it starts this one (Zen 4, 2026-12-07: pool2 forward 58 µs in place after 2,000 steps of
        // warm-up under `dotnet run`, 11 µs started directly or after 5 s).
        var warmUp = Stopwatch.StartNew();
        for (int i = 0; i < steps || warmUp.Elapsed.TotalSeconds < 5; i++)
        {
            step.Run(null);
        }

        double[] total = new double[Names.Length];
        double[][] perStep = new double[Names.Length][];
        for (int k = 0; k < Names.Length; k++)
        {
            perStep[k] = new double[3 * steps];
        }

        double[] ticks = new double[Names.Length];
        for (int round = 0; round < 3; round++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < steps; i++)
            {
                Array.Clear(ticks);
                step.Run(ticks);
                for (int k = 0; k < Names.Length; k++)
                {
                    total[k] += ticks[k];
                    perStep[k][(round * steps) + i] = ticks[k];
                }
            }

            double us = Stopwatch.GetElapsedTime(start).TotalMicroseconds / steps;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: {us:F1} µs per step"));
        }

        // The median step is what a kernel takes when the host leaves it alone; the mean adds what the host takes away.
        Console.WriteLine();
        Console.WriteLine("| kernel (batch 64) | µs per step, mean of 3 rounds | median step |");
        Console.WriteLine("|---|---:|---:|");
        double medians = 0;
        for (int k = 0; k < Names.Length; k++)
        {
            double us = total[k] / 3 / steps / Stopwatch.Frequency * 1e6;
            Array.Sort(perStep[k]);
            double median = perStep[k][perStep[k].Length / 2] / Stopwatch.Frequency * 1e6;
            medians += median;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {Names[k]} | {us:F1} | {median:F1} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| sum of the medians | | {medians:F1} |"));
        Console.WriteLine($"load average after: {Compare.LoadAverage()}");
        return 0;
    }

    /// <summary>The buffers of one step and the calls the generated LeNet-5 makes on them.</summary>
    private sealed class Sequence
    {
        private readonly float[] _x = Random(Batch * 784, 1f, 1), _w1 = Random(150, 0.2f, 2), _b1 = Random(6, 0.1f, 3);
        private readonly float[] _w2 = Random(2400, 0.08f, 4), _b2 = Random(16, 0.1f, 5);
        private readonly float[] _f1w = Random(48000, 0.05f, 6), _f1b = Random(120, 0.05f, 7), _f2w = Random(10080, 0.09f, 8);
        private readonly float[] _f2b = Random(84, 0.1f, 9), _f3w = Random(840, 0.1f, 10), _f3b = Random(10, 0.1f, 11);
        private readonly float[] _c1 = new float[Batch * 4704], _p1 = new float[Batch * 1176], _c2 = new float[Batch * 1600], _p2 = new float[Batch * 400];
        private readonly int[] _i1 = new int[Batch * 1176], _i2 = new int[Batch * 400];
        private readonly float[] _h1 = new float[Batch * 120], _h2 = new float[Batch * 84], _logits = new float[Batch * 10];
        private readonly float[] _gh2 = new float[Batch * 84], _gh1 = new float[Batch * 120], _gp2 = new float[Batch * 400];
        private readonly float[] _gc2 = new float[Batch * 1600], _gp1 = new float[Batch * 1176], _gc1 = new float[Batch * 4704];
        private readonly float[] _gw1 = new float[150], _gb1 = new float[6], _gw2 = new float[2400], _gb2 = new float[16];
        private readonly float[] _gf1w = new float[48000], _gf1b = new float[120], _gf2w = new float[10080], _gf2b = new float[84];
        private readonly float[] _gf3w = new float[840], _gf3b = new float[10];
        private readonly float[] _workspace1 = new float[Kernels.Conv2d.WorkspaceFloats(1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 1, 1, 1, Parallelism.MaxThreads)];
        private readonly float[] _workspace2 = new float[Kernels.Conv2d.WorkspaceFloats(6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1, 1, Parallelism.MaxThreads)];

        /// <summary>One step; with <paramref name="ticks"/>, each kernel's stopwatch ticks added to it.</summary>
        public void Run(double[]? ticks)
        {
            int k = 0;
            long last = Stopwatch.GetTimestamp();
            void Mark()
            {
                long now = Stopwatch.GetTimestamp();
                if (ticks is not null)
                {
                    ticks[k] += now - last;
                }

                k++;
                last = now;
            }

            Kernels.Conv2d.Forward(_x, _w1, _b1, _c1, _workspace1, Batch, 1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 1, 1, 1, Activation.ReLU);
            Mark();
            Kernels.MaxPool2d.Forward(_c1, _p1, _i1, Batch, 6, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1);
            Mark();
            Kernels.Conv2d.Forward(_p1, _w2, _b2, _c2, _workspace2, Batch, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1, 1, Activation.ReLU);
            Mark();
            Kernels.MaxPool2d.Forward(_c2, _p2, _i2, Batch, 16, 10, 10, 2, 2, 2, 2, 0, 0, 1, 1);
            Mark();
            LinearForward.Run(_p2, _f1w, _f1b, _h1, Batch, 400, 120, Activation.ReLU);
            Mark();
            LinearForward.Run(_h1, _f2w, _f2b, _h2, Batch, 120, 84, Activation.ReLU);
            Mark();
            LinearForward.Run(_h2, _f3w, _f3b, _logits, Batch, 84, 10, Activation.None);
            Mark();
            ActivationBackward.ApplyAndReduceBias(_logits, _logits, _gf3b, Batch, 10, Activation.None);
            LinearBackward.Run(_logits, _h2, _f3w, _gf3w, _gh2, Batch, 84, 10);
            Mark();
            ActivationBackward.ApplyAndReduceBias(_gh2, _h2, _gf2b, Batch, 84, Activation.ReLU);
            LinearBackward.Run(_gh2, _h1, _f2w, _gf2w, _gh1, Batch, 120, 84);
            Mark();
            ActivationBackward.ApplyAndReduceBias(_gh1, _h1, _gf1b, Batch, 120, Activation.ReLU);
            LinearBackward.Run(_gh1, _p2, _f1w, _gf1w, _gp2, Batch, 400, 120);
            Mark();
            Kernels.MaxPool2d.BackwardThroughReLU(_gp2, _p2, _i2, _gc2, Batch, 16, 10, 10, 2, 2, 2, 2, 0, 0, 1, 1);
            Mark();
            Kernels.Conv2d.BackwardWeight(_gc2, _p1, _gw2, _gb2, _workspace2, Batch, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1, 1);
            Mark();
            Kernels.Conv2d.BackwardData(_gc2, _w2, _gp1, _workspace2, Batch, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1, 1);
            Mark();
            Kernels.Conv2d.BackwardWeightFromMaxPool(_gp1, _p1, _i1, _gc1, _x, _gw1, _gb1, _workspace1, Batch, 1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 1, 1, 1, 2, 2, 2, 2, 0, 0, 1, 1);
            Mark();
        }

        private static float[] Random(int length, float scale, int seed)
        {
            var random = new Random(seed);
            float[] values = new float[length];
            for (int i = 0; i < length; i++)
            {
                values[i] = (float)((random.NextDouble() * 2) - 1) * scale;
            }

            return values;
        }
    }
}
