using System;
using System.Globalization;
using StaticGrad.Kernels;

namespace StaticGrad.Benchmarks;

/// <summary>
/// <c>norm</c>: <see cref="Kernels.GroupNorm"/> at a U-Net's shape (batch 16, 32 channels of 32 × 32): 8 groups
/// (<c>nn.GroupNorm(8, 32)</c>) and one per channel (<c>nn.InstanceNorm2d(32, affine=True)</c>), the forward pass and the
/// backward pass (the input, weight and bias gradients; each call first copies the output gradient into the buffer the
/// pass overwrites, timed alone on its own line), median µs per call on 1 and 2 threads.
/// <c>scripts/pytorch_norm_bench.py</c> times PyTorch's on the same shapes.
/// </summary>
public static class NormBench
{
    private const int Batch = 16, Channels = 32, Plane = 32 * 32;

    /// <summary>Runs the benchmark and prints the table.</summary>
    public static int Run(string[] args)
    {
        _ = args;
        Console.WriteLine($"machine: {Compare.CpuName()}, {Environment.ProcessorCount} cores");
        Console.WriteLine($"load average before: {Compare.LoadAverage()}");
        Console.WriteLine($"batch {Batch}, {Channels} channels of 32x32: median µs per call");
        Console.WriteLine("layer                          pass                    1 thread   2 threads");
        foreach ((string name, int groups) in new[] { ("GroupNorm(8, 32)", 8), ("InstanceNorm2d(32, affine)", Channels) })
        {
            foreach (string pass in new[] { "forward", "backward + copy", "copy" })
            {
                string line = $"{name,-30} {pass,-20}";
                foreach (int threads in new[] { 1, 2 })
                {
                    var step = new Step(groups, pass);
                    int saved = Parallelism.MaxThreads;
                    Parallelism.MaxThreads = threads;
                    try
                    {
                        line += string.Create(CultureInfo.InvariantCulture, $"  {Timing.Measure(ref step, repeats: 7, runSeconds: 0.2, warmupSeconds: 0.5).MedianMicroseconds,9:F1}");
                    }
                    finally
                    {
                        Parallelism.MaxThreads = saved;
                    }
                }

                Console.WriteLine(line);
            }
        }

        Console.WriteLine($"load average after: {Compare.LoadAverage()}");
        return 0;
    }

    private static float[] Random(int length, int seed)
    {
        var random = new Random(seed);
        float[] values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }

    private readonly struct Step : ITimedStep
    {
        private readonly int _groups;
        private readonly string _pass;
        private readonly float[] _x, _weight, _bias, _y, _mean, _rstd, _dy, _gradient, _dw, _db;

        public Step(int groups, string pass)
        {
            (_groups, _pass) = (groups, pass);
            _x = Random(Batch * Channels * Plane, 1);
            _weight = Random(Channels, 2);
            _bias = Random(Channels, 3);
            _y = new float[_x.Length];
            _mean = new float[Batch * groups];
            _rstd = new float[Batch * groups];
            _dy = Random(_x.Length, 4);
            _gradient = new float[_x.Length];
            _dw = new float[Channels];
            _db = new float[Channels];
            Kernels.GroupNorm.Forward(_x, _weight, _bias, _y, _mean, _rstd, Batch, Channels, groups, Plane, 1e-5f);
        }

        public void Run()
        {
            switch (_pass)
            {
                case "forward":
                    Kernels.GroupNorm.Forward(_x, _weight, _bias, _y, _mean, _rstd, Batch, Channels, _groups, Plane, 1e-5f);
                    break;
                case "copy":
                    _dy.CopyTo(_gradient, 0);
                    break;
                default:
                    _dy.CopyTo(_gradient, 0);
                    Kernels.GroupNorm.Backward(_gradient, _x, _mean, _rstd, _weight, _dw, _db, Batch, Channels, _groups, Plane);
                    break;
            }
        }
    }
}
