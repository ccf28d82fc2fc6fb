using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using StaticGrad.Kernels;

namespace StaticGrad.Benchmarks;

/// <summary>
/// BenchmarkDotNet job of these benchmarks: in-process (no generated project to build, which would inherit
/// this repository's build rules), memory diagnoser on. Loggers, columns and exporters come from the
/// default configuration passed by <see cref="Program"/>.
/// </summary>
public sealed class InProcessConfig : ManualConfig
{
    /// <summary>Creates the configuration.</summary>
    public InProcessConfig()
    {
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance));
        AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default);
    }
}

/// <summary>The kernels of the seed model's training step, at its shapes (batch 64), with 1 and 2 threads.</summary>
[Config(typeof(InProcessConfig))]
[MemoryDiagnoser]
public class KernelBenchmarks
{
    private const int Batch = 64, Inputs = 784, Hidden = 128, Classes = 10;
    private float[] _x = [], _w1 = [], _b1 = [], _h = [], _dh = [], _gw1 = [], _gb1 = [], _a = [], _b = [], _c = [];

    /// <summary>The thread limit.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Allocates the operands.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxThreads = Threads;
        (_x, _) = Steps.Data(Batch);
        _w1 = Steps.Data(Hidden).Inputs;
        _b1 = new float[Hidden];
        _h = new float[Batch * Hidden];
        _dh = Steps.Data(Batch, Hidden).Inputs;
        _gw1 = new float[Hidden * Inputs];
        _gb1 = new float[Hidden];
        _a = Steps.Data(1024, 1024).Inputs;
        _b = Steps.Data(1024, 1024).Inputs;
        _c = new float[1024 * 1024];
    }

    /// <summary>Restores the default thread limit.</summary>
    [GlobalCleanup]
    public void Cleanup() => Parallelism.MaxThreads = Parallelism.DefaultThreadCount;

    /// <summary>fc1 forward: <c>ReLU(X[64,784]·W[128,784]ᵀ + b)</c>.</summary>
    [Benchmark]
    public void LinearForwardReLU() => LinearForward.Run(_x, _w1, _b1, _h, Batch, Inputs, Hidden, Activation.ReLU);

    /// <summary>fc1 backward through ReLU with the bias gradient.</summary>
    [Benchmark]
    public void ApplyAndReduceBias() => ActivationBackward.ApplyAndReduceBias(_dh, _h, _gb1, Batch, Hidden, Activation.ReLU);

    /// <summary>fc1 weight gradient: <c>dH[64,128]ᵀ·X[64,784]</c>.</summary>
    [Benchmark]
    public void WeightGradient() => Gemm.MultiplyTransposeA(_dh, _x, _gw1, Hidden, Batch, Inputs);

    /// <summary>One sample through fc1 (the dot-product path).</summary>
    [Benchmark]
    public void LinearForwardOneSample() => LinearForward.Run(_x.AsSpan(0, Inputs), _w1, _b1, _h, 1, Inputs, Hidden, Activation.ReLU);

    /// <summary>1024 × 1024 × 1024 <c>A·B</c>.</summary>
    [Benchmark]
    public void Gemm1024() => Gemm.Multiply(_a, _b, _c, 1024, 1024, 1024);
}

/// <summary>Whole training steps and single-sample prediction, as in the <c>compare</c> command.</summary>
[Config(typeof(InProcessConfig))]
[MemoryDiagnoser]
public class TrainingStepBenchmarks
{
    private Steps.Seed128AdamStep _seed;
    private Steps.Mlp256SgdStep _mlp256;
    private Steps.Mlp1024AdamStep _mlp1024;
    private Steps.Seed128Predict _predict;

    /// <summary>Creates models, optimizers and data.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _seed = new Steps.Seed128AdamStep(64);
        _mlp256 = new Steps.Mlp256SgdStep(64);
        _mlp1024 = new Steps.Mlp1024AdamStep(1024);
        _predict = new Steps.Seed128Predict();
    }

    /// <summary>784-128-10, batch 64: TrainStep + Adam.Step.</summary>
    [Benchmark(Baseline = true)]
    public void Seed128Adam() => _seed.Run();

    /// <summary>784-256-10, batch 64: TrainStep + SGD.Step.</summary>
    [Benchmark]
    public void Mlp256Sgd() => _mlp256.Run();

    /// <summary>784-1024-10, batch 1024: TrainStep + Adam.Step.</summary>
    [Benchmark]
    public void Mlp1024Adam() => _mlp1024.Run();

    /// <summary>784-128-10, one sample: Predict.</summary>
    [Benchmark]
    public void Seed128Predict() => _predict.Run();
}
