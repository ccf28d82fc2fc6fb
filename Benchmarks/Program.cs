using System;
using System.Globalization;
using System.Linq;

namespace StaticGrad.Benchmarks;

/// <summary>
/// Entry point. <c>compare</c> (default): our training steps against PyTorch's, plus GEMM GFLOP/s beside
/// the measured FMA peak. <c>breakdown [hidden batch]</c>: each kernel of one step, 1 and all threads.
/// <c>gemm [m k n ...]</c>: GEMM throughput table. <c>conv [batch]</c>: LeNet-5's convolution and pooling layers. <c>lenet</c>: LeNet-5's training step and single-sample
/// inference against PyTorch's. <c>lenet-sequence</c>: each kernel of LeNet-5's step timed where it sits in the step. <c>norm</c>: group and instance norm passes. <c>distributed</c> (under <c>mpirun -np N</c>): all-reduce against step times.
/// <c>load [--rounds N]</c>: the seed step at 1 and 2 threads, quiet and beside a busy process it starts (<c>spin</c>).
/// <c>fusedhead</c>: the fused linear + cross-entropy head (512 -> 50,000, batch 256) against the unfused kernels and PyTorch.
/// <c>freeze</c>: the seed step with fc1 or fc2 frozen against unfrozen. <c>peak</c>: FMA peak only. <c>alloc</c>: whole-process
/// allocation check. <c>bdn ...</c>: BenchmarkDotNet (e.g. <c>bdn --filter '*'</c>). The whole <c>train</c>
/// process against the PyTorch script is <c>scripts/bench_train.sh</c>.
/// </summary>
public static class Program
{
    /// <summary>Runs the command named by the first argument.</summary>
    public static int Main(string[] args)
    {
        string command = args.Length > 0 ? args[0] : "compare";
        string[] rest = args.Skip(1).ToArray();
        switch (command)
        {
            case "compare":
                return Compare.Run(rest);
            case "bdn":
                BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, BenchmarkDotNet.Configs.DefaultConfig.Instance);
                return 0;
            case "alloc":
                return AllocationCheck.Run();
            case "breakdown":
                return Breakdown.Run(rest);
            case "conv":
                return ConvBench.Run(rest);
            case "lenet":
                return LeNetBench.Run(rest);
            case "norm":
                return NormBench.Run(rest);
            case "lenet-sequence":
                return LeNetSequence.Run(rest);
            case "warmup":
                return WarmupBench.Run(rest);
            case "peak":
                (double peak, int bits) = FmaPeak.Measure();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FMA peak ({bits}-bit, one core): {peak:F1} GFLOP/s"));
                return 0;
            case "distributed":
                return DistributedBench.Run();
            case "load":
                return LoadBench.Run(rest);
            case "fusedhead":
                return FusedHeadBench.Run(rest);
            case "spin":
                return LoadBench.Spin(rest);
            case "freeze":
                return FreezeBench.Run(rest);
            case "gemm":
                int[] dims = rest.Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
                int[][] shapes = dims.Length >= 3
                    ? Enumerable.Range(0, dims.Length / 3).Select(i => dims.Skip(3 * i).Take(3).ToArray()).ToArray()
                    : [[1024, 1024, 1024], [64, 784, 128], [128, 64, 784], [1024, 784, 1024], [1024, 1024, 784]];
                GemmBench.Print(shapes);
                return 0;
            default:
                Console.Error.WriteLine($"unknown command \'{command}\'; expected compare, breakdown, load, fusedhead, distributed, freeze, gemm, conv, lenet, lenet-sequence, warmup, norm, peak, alloc or bdn");
                return 2;
        }
    }
}
