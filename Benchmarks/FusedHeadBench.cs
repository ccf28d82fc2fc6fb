using System;
using System.Collections.Generic;
using System.Globalization;
using StaticGrad.Kernels;

namespace StaticGrad.Benchmarks;

/// <summary>
/// The classifier head of a large vocabulary, <c>cross_entropy(hidden · Wᵀ + b, labels)</c> forward and backward
/// (gradients of hidden, W and b), 512 → 50,000 classes at batch 256 by default: scratch bytes and step time of
/// <see cref="FusedLinearCrossEntropy"/> against the unfused kernels (a <c>[batch, classes]</c> logits buffer,
/// <see cref="LinearForward"/>, <see cref="SoftmaxCrossEntropy"/>, the bias reduction and two products), at 1 and
/// 2 threads, then PyTorch's <c>F.cross_entropy(x @ W.T + b, y)</c> step (scripts/pytorch_bench.py) in the same
/// run. Options: <c>--features N --classes N --batch N --repeats N --no-pytorch --python PATH</c>.
/// </summary>
public static class FusedHeadBench
{
    /// <summary>Runs the comparison and prints the table.</summary>
    public static int Run(string[] args)
    {
        int features = 512, classes = 50_000, batch = 256, repeats = 5;
        bool pytorch = true;
        string python = "/usr/bin/python3";
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--features":
                    features = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--classes":
                    classes = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--batch":
                    batch = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--repeats":
                    repeats = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--no-pytorch":
                    pytorch = false;
                    break;
                case "--python":
                    python = args[++i];
                    break;
                default:
                    Console.Error.WriteLine($"unknown option '{args[i]}'");
                    return 2;
            }
        }

        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"fused head {features} -> {classes}, batch {batch}, mean reduction; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} cores, {Compare.CpuName()}; load before: {Compare.LoadAverage()}"));
        long unfusedBytes = 4L * batch * classes;
        long fusedBytes = 4L * FusedLinearCrossEntropy.WorkspaceFloats(batch, classes);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"scratch: unfused logits/gradient buffer {unfusedBytes / 1e6:F2} MB, fused workspace {fusedBytes / 1e6:F3} MB ({FusedLinearCrossEntropy.ClassBlock(batch, classes)}-class blocks) = 1/{(double)unfusedBytes / fusedBytes:F0}"));
        Console.WriteLine(batch <= features
            ? "fused mode: logits parked in the weight gradient (rows <= features), three products"
            : "fused mode: logits recomputed in pass 2 (rows > features), four products");

        var head = new Head(features, classes, batch);
        if (Environment.GetEnvironmentVariable("STATICGRAD_BENCH_CPU_TIME") == "1" && ThreadCpuTime.IsSupported)
        {
            return RunCpuTime(head, repeats, pytorch, python);
        }

        var results = new Dictionary<(bool Fused, int Threads), double>();
        double gflop = 3 * 2.0 * batch * features * classes / 1e9;
        foreach (int threads in new[] { 1, 2 })
        {
            foreach (bool fused in new[] { false, true })
            {
                int saved = Parallelism.MaxThreads;
                Parallelism.MaxThreads = threads;
                var step = new HeadStep(head, fused);
                (double median, _) = Timing.Measure(ref step, repeats, runSeconds: 0.5, warmupSeconds: 1.0);
                Parallelism.MaxThreads = saved;
                results[(fused, threads)] = median;
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"  {(fused ? "fused  " : "unfused")} {threads} thread(s): {median / 1000,9:F1} ms/step ({gflop / (median * 1e-6),6:F1} GFLOP/s of the 3 products' work), loss {head.Loss:F6}"));
            }
        }

        double torch = double.NaN;
        string info = "PyTorch not run";
        if (pytorch)
        {
            Dictionary<string, (double Median, double Min)>? theirs = features == 512 && classes == 50_000 && batch == 256
                ? Compare.RunPyTorch(python, repeats, out info, "head512_50000_b256")
                : null;
            if (theirs is not null && theirs.TryGetValue("head512_50000_b256", out var t))
            {
                torch = t.Median;
            }
            else if (theirs is null && info == "PyTorch not run")
            {
                info = "PyTorch: only the 512 -> 50000, batch 256 case is scripted";
            }
        }

        Console.WriteLine(info);
        Console.WriteLine("| head step (forward + backward) | 1 thread ms | 2 threads ms | vs PyTorch (2 threads) |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (bool fused in new[] { false, true })
        {
            double one = results[(fused, 1)] / 1000, two = results[(fused, 2)] / 1000;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| StaticGrad {(fused ? "fused" : "unfused")} | {one:F1} | {two:F1} | {(double.IsNaN(torch) ? "n/a" : (torch / 1000 / two).ToString("F2", CultureInfo.InvariantCulture) + "x")} |"));
        }

        if (!double.IsNaN(torch))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| PyTorch F.cross_entropy(x @ W.T + b) | | {torch / 1000:F1} | 1.00x |"));
        }

        Console.WriteLine($"load after: {Compare.LoadAverage()}");
        return 0;
    }

    /// <summary>
    /// One thread on both sides, timed by the thread's CPU time (best of <paramref name="repeats"/> single steps): what
    /// a machine that other jobs keep busy can still compare. PyTorch runs with OPENBLAS_NUM_THREADS=1.
    /// </summary>
    private static int RunCpuTime(Head head, int repeats, bool pytorch, string python)
    {
        Console.WriteLine("one thread each, thread CPU time (STATICGRAD_BENCH_CPU_TIME=1), best of the repeats");
        int saved = Parallelism.MaxThreads;
        Parallelism.MaxThreads = 1;
        var best = new Dictionary<bool, double>();
        foreach (bool fused in new[] { false, true, false, true })
        {
            var step = new HeadStep(head, fused);
            step.Run();
            for (int r = 0; r < repeats; r++)
            {
                double start = ThreadCpuTime.Seconds();
                step.Run();
                double ms = (ThreadCpuTime.Seconds() - start) * 1000;
                best[fused] = best.TryGetValue(fused, out double b) ? Math.Min(b, ms) : ms;
            }
        }

        Parallelism.MaxThreads = saved;
        double torch = double.NaN;
        string info = "PyTorch not run";
        if (pytorch && head.Features == 512 && head.Classes == 50_000 && head.Batch == 256)
        {
            Dictionary<string, (double Median, double Min)>? theirs = Compare.RunPyTorch(python, repeats, out info, "head512_50000_b256", cpuTime: true);
            if (theirs is not null && theirs.TryGetValue("head512_50000_b256", out var t))
            {
                torch = t.Min / 1000;
            }
        }

        Console.WriteLine(info);
        Console.WriteLine("| head step, one thread, CPU time | ms | vs unfused | PyTorch / this |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (bool fused in new[] { false, true })
        {
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| StaticGrad {(fused ? "fused" : "unfused")} | {best[fused]:F1} | {best[false] / best[fused]:F2}x | {(double.IsNaN(torch) ? "n/a" : (torch / best[fused]).ToString("F2", CultureInfo.InvariantCulture) + "x")} |"));
        }

        if (!double.IsNaN(torch))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| PyTorch F.cross_entropy(x @ W.T + b), OPENBLAS_NUM_THREADS=1 | {torch:F1} | | 1.00x |"));
        }

        Console.WriteLine($"load after: {Compare.LoadAverage()}");
        return 0;
    }

    private sealed class Head
    {
        public readonly int Features, Classes, Batch;
        public readonly float[] Hidden, Weight, Bias, HiddenGradient, WeightGradient, BiasGradient, Logits, Workspace;
        public readonly int[] Labels;
        public float Loss;

        public Head(int features, int classes, int batch)
        {
            (Features, Classes, Batch) = (features, classes, batch);
            var rng = new Rng(1);
            float bound = 1f / MathF.Sqrt(features);
            Hidden = Fill(rng, batch * features, 0f, 1f);
            Weight = Fill(rng, classes * features, -bound, bound);
            Bias = Fill(rng, classes, -bound, bound);
            Labels = new int[batch];
            for (int i = 0; i < batch; i++)
            {
                Labels[i] = rng.NextInt32(classes);
            }

            HiddenGradient = new float[batch * features];
            WeightGradient = new float[classes * features];
            BiasGradient = new float[classes];
            Logits = new float[batch * classes];
            Workspace = new float[FusedLinearCrossEntropy.WorkspaceFloats(batch, classes)];
        }

        private static float[] Fill(Rng rng, int length, float low, float high)
        {
            float[] values = new float[length];
            for (int i = 0; i < length; i++)
            {
                values[i] = rng.NextSingle(low, high);
            }

            return values;
        }
    }

    private readonly struct HeadStep(Head head, bool fused) : ITimedStep
    {
        public void Run()
        {
            Head h = head;
            if (fused)
            {
                h.Loss = FusedLinearCrossEntropy.ForwardBackward(
                    h.Hidden, h.Weight, h.Bias, h.Labels, h.HiddenGradient, h.WeightGradient, h.BiasGradient, [], h.Workspace,
                    h.Batch, h.Features, h.Classes, [], SoftmaxCrossEntropy.DefaultIgnoreIndex, 0f, Reduction.Mean);
                return;
            }

            LinearForward.Run(h.Hidden, h.Weight, h.Bias, h.Logits, h.Batch, h.Features, h.Classes, Activation.None);
            h.Loss = SoftmaxCrossEntropy.ForwardBackward(h.Logits, h.Labels, [], h.Batch, h.Classes, [], SoftmaxCrossEntropy.DefaultIgnoreIndex, 0f, Reduction.Mean);
            ActivationBackward.ApplyAndReduceBias(h.Logits, h.Logits, h.BiasGradient, h.Batch, h.Classes, Activation.None);
            Gemm.MultiplyTransposeA(h.Logits, h.Hidden, h.WeightGradient, h.Classes, h.Batch, h.Features);
            Gemm.Multiply(h.Logits, h.Weight, h.HiddenGradient, h.Batch, h.Classes, h.Features);
        }
    }
}
