using System;
using System.Diagnostics;
using System.Globalization;
using StaticGrad.Distributed;

namespace StaticGrad.Benchmarks;

/// <summary>
/// <c>distributed</c>, run under <c>mpirun -np N</c> (or alone as one rank): the all-reduce of the seed model's
/// 101,770 gradients (+ denominator and loss) and of 10M floats (a 10M-parameter model), one training step
/// (forward, backward, Adam) at several batch sizes on every rank at once, and the deterministic mode's step cost.
/// docs/distributed.md's benchmark tables and <c>scripts/distributed_projection.py</c>'s inputs come from it.
/// </summary>
public static class DistributedBench
{
    /// <summary>Runs the benchmark on this rank; rank 0 prints.</summary>
    /// <returns>The exit code.</returns>
    public static int Run()
    {
        using ICommunicator world = MpiCommunicator.IsLaunchedByMpirun ? MpiCommunicator.Initialize() : InProcessCommunicator.CreateGroup(1)[0];
        MpiCommunicator.ShareCoresWithLocalRanks();

        bool root = world.Rank == 0;
        if (root)
        {
            Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Compare.CpuName()}; {world.Size} rank(s), {Parallelism.MaxThreads} thread(s) per rank; load average before: {Compare.LoadAverage()}");
        }

        var probe = new Mlp128(1, 1);
        foreach (int count in world.Size == 1 ? [] : (int[])[probe.Parameters.Count + 2, 10_000_000])
        {
            float[] buffer = new float[count];
            int iterations = count > 1_000_000 ? 10 : 200;
            double[] times = new double[iterations];
            for (int i = -3; i < iterations; i++)
            {
                world.Barrier();
                long start = Stopwatch.GetTimestamp();
                world.AllReduceSum(buffer);
                if (i >= 0)
                {
                    times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
            }

            Array.Sort(times);
            if (root)
            {
                double median = times[iterations / 2];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"allreduce {count,10} floats on {world.Size} ranks: median {median:F3} ms, min {times[0]:F3} ms, bus bandwidth {2.0 * (world.Size - 1) / world.Size * count * 4 / (median / 1e3) / 1e9:F2} GB/s"));
            }
        }

        // One training step on every rank at once: each rank's compute when ranks run side by side.
        var rng = new Rng(5);
        foreach (int batch in (int[])[8, 16, 32, 64, 128, 256, 512, 1024])
        {
            var model = new Mlp128(1, batch);
            var adam = new Adam(model.Parameters);
            (float[] inputs, int[] labels) = RandomBatch(rng, batch);
            double median = Median(Math.Max(20, 20_000 / batch), () =>
            {
                model.TrainStep(inputs, labels, batch);
                adam.Step();
            });
            world.Barrier();
            if (root)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step at batch {batch,5}: median {median:F3} ms ({median * 1e3 / batch:F2} us/sample)"));
            }
        }

        // The deterministic mode's extra cost: DataParallel steps at global batch 64 with this process as the only rank.
        if (root)
        {
            (float[] inputs, int[] labels) = RandomBatch(rng, 64);
            foreach (int block in (int[])[0, 64, 32, 16, 8, 1])
            {
                var model = new Mlp128(1, 64);
                var step = new DataParallel(model, new Adam(model.Parameters), InProcessCommunicator.CreateGroup(1)[0], GradientAveraging.For(model.Loss), block);
                double median = Median(400, () => step.Step(inputs, labels, 64));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"one-rank step at batch 64, {(block == 0 ? "default mode" : $"deterministic blocks of {block}")}: median {median:F3} ms"));
            }
        }

        if (root)
        {
            Console.WriteLine($"load average after: {Compare.LoadAverage()}");
        }

        return 0;
    }

    private static double Median(int iterations, Action step)
    {
        double[] times = new double[iterations];
        for (int i = -iterations / 4; i < iterations; i++)
        {
            long start = Stopwatch.GetTimestamp();
            step();
            if (i >= 0)
            {
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }

        Array.Sort(times);
        return times[iterations / 2];
    }

    private static (float[] Inputs, int[] Labels) RandomBatch(Rng rng, int batch)
    {
        float[] inputs = new float[batch * 784];
        int[] labels = new int[batch];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = rng.NextSingle();
        }

        for (int i = 0; i < batch; i++)
        {
            labels[i] = rng.NextInt32(10);
        }

        return (inputs, labels);
    }
}
