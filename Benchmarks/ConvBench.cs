using System;
using System.Globalization;
using StaticGrad.Kernels;

namespace StaticGrad.Benchmarks;

/// <summary>
/// <c>conv [batch]</c>: LeNet-5's convolution and pooling layers (conv1 1→6 5×5 padding 2 on 28×28, conv2 6→16 5×5 on
/// 14×14, 2×2 max pooling after each) and the forward pass of wider layers (3×3, padding 1: 16→32 on 14×14, 32→64 on
/// 7×7, and rows that fill whole vectors, 16→16 on 16×16 and 8→32 on 32×32), depthwise 3×3 layers (MobileNet's: 32 channels on
/// 56×56, 64 on 28×28, 128 on 28×28 with stride 2; <c>scripts/pytorch_depthwise_bench.py</c> times PyTorch's) at batch 64: each pass's time, GFLOP/s (2 flops per multiply-add of the
/// convolution) and share of the FMA peak measured in the same run, on 1 and 2 threads; then the products alone, one
/// per sample against one for the whole batch, to show what im2col per sample costs in GEMM efficiency.
/// </summary>
public static class ConvBench
{
    /// <summary>The passes of a convolution.</summary>
    public enum Pass
    {
        /// <summary><see cref="Kernels.Conv2d.Forward"/> with ReLU.</summary>
        Forward,

        /// <summary><see cref="Kernels.Conv2d.BackwardData"/>.</summary>
        BackwardData,

        /// <summary><see cref="Kernels.Conv2d.BackwardWeight"/>.</summary>
        BackwardWeight,
    }

    /// <summary>Runs the benchmark and prints the table.</summary>
    public static int Run(string[] args)
    {
        int batch = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 64;
        Console.WriteLine($"machine: {Compare.CpuName()}, {Environment.ProcessorCount} cores; GEMM microkernel {Gemm.Microkernel}");
        Console.WriteLine($"load average before: {Compare.LoadAverage()}");
        bool cpuTime = Timing.CpuTimeRequested;
        (double peak, int bits) = FmaPeak.Measure(cpuTime: cpuTime);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FMA peak ({bits}-bit, one core, measured now{(cpuTime ? " in CPU time" : "")}): {peak:F1} GFLOP/s"));
        if (cpuTime)
        {
            Console.WriteLine("STATICGRAD_BENCH_CPU_TIME=1: the 1-thread column is the thread's CPU time (best of 7), the 2-thread column wall time");
        }

        Console.WriteLine();
        var layers = new (string Name, Layer Shape)[]
        {
            ("conv1 1->6 5x5 pad 2, 28x28", new Layer(batch, 1, 28, 28, 6, 5, 2)),
            ("conv2 6->16 5x5, 14x14", new Layer(batch, 6, 14, 14, 16, 5, 0)),
        };
        var wider = new (string Name, Layer Shape)[]
        {
            ("16->32 3x3 pad 1, 14x14", new Layer(batch, 16, 14, 14, 32, 3, 1)),
            ("32->64 3x3 pad 1, 7x7", new Layer(batch, 32, 7, 7, 64, 3, 1)),
            ("16->16 3x3 pad 1, 16x16", new Layer(batch, 16, 16, 16, 16, 3, 1)),
            ("8->32 3x3 pad 1, 32x32", new Layer(batch, 8, 32, 32, 32, 3, 1)),
        };
        int[] threadCounts = [1, Math.Max(2, Parallelism.DefaultThreadCount)];
        Console.WriteLine($"batch {batch}: median µs per call (GFLOP/s, % of the peak of the threads used)");
        Console.WriteLine("layer                            pass              1 thread                     2 threads");
        foreach ((string name, Layer layer) in layers)
        {
            foreach (Pass pass in Enum.GetValues<Pass>())
            {
                Console.WriteLine(PassLine(name, layer, pass, threadCounts, peak, cpuTime));
            }
        }

        foreach ((string name, Layer layer) in wider)
        {
            Console.WriteLine(PassLine(name, layer, Pass.Forward, threadCounts, peak, cpuTime));
        }

        var depthwise = new (string Name, Layer Shape)[]
        {
            ("depthwise 32 3x3 pad 1, 56x56", new Layer(batch, 32, 56, 56, 32, 3, 1, groups: 32)),
            ("depthwise 64 3x3 pad 1, 28x28", new Layer(batch, 64, 28, 28, 64, 3, 1, groups: 64)),
            ("depthwise 128 3x3/2 pad 1, 28x28", new Layer(batch, 128, 28, 28, 128, 3, 1, groups: 128, stride: 2)),
        };
        foreach ((string name, Layer layer) in depthwise)
        {
            foreach (Pass pass in Enum.GetValues<Pass>())
            {
                Console.WriteLine(PassLine(name, layer, pass, threadCounts, peak, cpuTime));
            }
        }

        foreach ((string name, int channels, int size) in new[] { ("maxpool 2x2 after conv1, 6x28x28", 6, 28), ("maxpool 2x2 after conv2, 16x10x10", 16, 10) })
        {
            foreach (PoolPass pass in Enum.GetValues<PoolPass>())
            {
                string line = $"{name,-32} {pass,-15}";
                foreach (int threads in threadCounts)
                {
                    var step = new PoolStep(batch, channels, size, pass);
                    line += string.Create(CultureInfo.InvariantCulture, $"  {Time(ref step, threads, cpuTime),8:F1}                   ");
                }

                Console.WriteLine(line);
            }
        }

        foreach ((string name, int outSize) in new[] { ("avgpool 3x3/2 pad 1, 32x28x28", 0), ("adaptive avgpool 5x5, 32x28x28", 5) })
        {
            foreach (bool backward in new[] { false, true })
            {
                string line = $"{name,-32} {(backward ? "Backward" : "Forward"),-15}";
                foreach (int threads in threadCounts)
                {
                    var step = new AvgPoolStep(batch, 32, 28, outSize, backward);
                    line += string.Create(CultureInfo.InvariantCulture, $"  {Time(ref step, threads, cpuTime),8:F1}                   ");
                }

                Console.WriteLine(line);
            }
        }

        foreach ((string name, int length) in new[] { ("ReLU backward after conv1, 6x28x28", 6 * 28 * 28), ("ReLU backward after conv2, 16x10x10", 16 * 10 * 10) })
        {
            string line = $"{name,-32} {"Apply",-15}";
            foreach (int threads in threadCounts)
            {
                var step = new ReLUBackwardStep(batch * length);
                line += string.Create(CultureInfo.InvariantCulture, $"  {Time(ref step, threads, cpuTime),8:F1}                   ");
            }

            Console.WriteLine(line);
        }

        Console.WriteLine();
        Console.WriteLine("forward products alone, 1 thread: one per sample (as Conv2d runs them) vs one for the whole batch");
        foreach ((string name, Layer layer) in layers)
        {
            var perSample = new ProductStep(layer, wholeBatch: false);
            var whole = new ProductStep(layer, wholeBatch: true);
            double a = Time(ref perSample, 1, cpuTime), b = Time(ref whole, 1, cpuTime);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{name,-32} {batch} x ({layer.Out}x{layer.Reduction}x{layer.Plane}): {a,8:F1} µs ({layer.Flops / (a * 1e3),6:F1} GFLOP/s)   {layer.Out}x{layer.Reduction}x{batch * layer.Plane}: {b,8:F1} µs ({layer.Flops / (b * 1e3),6:F1} GFLOP/s)"));
        }

        Console.WriteLine($"load average after: {Compare.LoadAverage()}");
        return 0;
    }

    /// <summary>One pass of <paramref name="layer"/> on each thread count: µs, GFLOP/s and share of the threads' peak.</summary>
    private static string PassLine(string name, Layer layer, Pass pass, int[] threadCounts, double peak, bool cpuTime)
    {
        string line = $"{name,-32} {pass,-15}";
        foreach (int threads in threadCounts)
        {
            var step = new ConvStep(layer, pass);
            double us = Time(ref step, threads, cpuTime);
            double gflops = layer.Flops / (us * 1e3);
            line += string.Create(CultureInfo.InvariantCulture, $"  {us,8:F1} ({gflops,6:F1}, {100 * gflops / (peak * threads),5:F1}%)");
        }

        return line;
    }

    /// <summary>Median wall time per call, or with <paramref name="cpuTime"/> on one thread the best thread CPU time.</summary>
    private static double Time<T>(ref T step, int threads, bool cpuTime)
        where T : struct, ITimedStep
    {
        int saved = Parallelism.MaxThreads;
        Parallelism.MaxThreads = threads;
        try
        {
            return cpuTime && threads == 1
                ? Timing.MeasureCpuTime(ref step, repeats: 7, runSeconds: 0.2, warmupSeconds: 0.3)
                : Timing.Measure(ref step, repeats: 7, runSeconds: 0.2, warmupSeconds: 0.3).MedianMicroseconds;
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    private static float[] Random(int length, ulong seed)
    {
        var rng = new Rng(seed);
        float[] values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = rng.NextSingle(-1f, 1f);
        }

        return values;
    }

    /// <summary>A square-kernel convolution layer (stride 1 and one group unless said) and its data.</summary>
    private sealed class Layer
    {
        public Layer(int batch, int @in, int height, int width, int @out, int kernel, int padding, int groups = 1, int stride = 1)
        {
            (Batch, In, Height, Width, Out, Kernel, Padding, Groups, Stride) = (batch, @in, height, width, @out, kernel, padding, groups, stride);
            OutHeight = SlidingWindow.OutputSize(height, kernel, stride, padding, 1);
            OutWidth = SlidingWindow.OutputSize(width, kernel, stride, padding, 1);
            X = Random(batch * @in * height * width, 1);
            W = Random(@out * (@in / groups) * kernel * kernel, 2);
            B = Random(@out, 3);
            Y = new float[batch * @out * OutHeight * OutWidth];
            Dy = Random(Y.Length, 4);
            Dx = new float[X.Length];
            Dw = new float[W.Length];
            Db = new float[@out];
            Workspace = new float[Kernels.Conv2d.WorkspaceFloats(@in, height, width, @out, kernel, kernel, stride, stride, padding, padding, 1, 1, groups, Parallelism.ThreadLimit)];
        }

        public int Batch { get; }

        public int In { get; }

        public int Height { get; }

        public int Width { get; }

        public int Out { get; }

        public int Kernel { get; }

        public int Padding { get; }

        public int Groups { get; }

        public int Stride { get; }

        public int OutHeight { get; }

        public int OutWidth { get; }

        public int Plane => OutHeight * OutWidth;

        public int Reduction => In / Groups * Kernel * Kernel;

        public double Flops => 2.0 * Batch * Out * Reduction * Plane;

        public float[] X { get; }

        public float[] W { get; }

        public float[] B { get; }

        public float[] Y { get; }

        public float[] Dy { get; }

        public float[] Dx { get; }

        public float[] Dw { get; }

        public float[] Db { get; }

        public float[] Workspace { get; }
    }

    private readonly struct ConvStep(Layer layer, Pass pass) : ITimedStep
    {
        public void Run()
        {
            Layer l = layer;
            switch (pass)
            {
                case Pass.Forward:
                    Kernels.Conv2d.Forward(l.X, l.W, l.B, l.Y, l.Workspace, l.Batch, l.In, l.Height, l.Width, l.Out, l.Kernel, l.Kernel, l.Stride, l.Stride, l.Padding, l.Padding, 1, 1, l.Groups, Activation.ReLU);
                    break;
                case Pass.BackwardData:
                    Kernels.Conv2d.BackwardData(l.Dy, l.W, l.Dx, l.Workspace, l.Batch, l.In, l.Height, l.Width, l.Out, l.Kernel, l.Kernel, l.Stride, l.Stride, l.Padding, l.Padding, 1, 1, l.Groups);
                    break;
                default:
                    Kernels.Conv2d.BackwardWeight(l.Dy, l.X, l.Dw, l.Db, l.Workspace, l.Batch, l.In, l.Height, l.Width, l.Out, l.Kernel, l.Kernel, l.Stride, l.Stride, l.Padding, l.Padding, 1, 1, l.Groups);
                    break;
            }
        }
    }

    /// <summary>The passes of a 2 × 2 max pool after a convolution with ReLU.</summary>
    public enum PoolPass
    {
        /// <summary><see cref="Kernels.MaxPool2d.Forward"/>.</summary>
        Forward,

        /// <summary><see cref="Kernels.MaxPool2d.Backward"/> alone.</summary>
        Backward,

        /// <summary><see cref="Kernels.MaxPool2d.Backward"/>, then ReLU's derivative from the convolution's output: the two passes the generated step ran before the derivative moved into the pool's.</summary>
        BackwardThenReLU,

        /// <summary><see cref="Kernels.MaxPool2d.BackwardThroughReLU"/>: the same values in one pass, from the pooled output.</summary>
        ThroughReLU,
    }

    private readonly struct PoolStep : ITimedStep
    {
        private readonly int _batch, _channels, _size;
        private readonly PoolPass _pass;
        private readonly float[] _x, _y, _dy, _dx;
        private readonly int[] _indices;

        public PoolStep(int batch, int channels, int size, PoolPass pass)
        {
            (_batch, _channels, _size, _pass) = (batch, channels, size, pass);
            // A ReLU's output: about half zeros.
            _x = Array.ConvertAll(Random(batch * channels * size * size, 5), v => Math.Max(v, 0f));
            _y = new float[batch * channels * (size / 2) * (size / 2)];
            _dy = Random(_y.Length, 9);
            _dx = new float[_x.Length];
            _indices = new int[_y.Length];
            Kernels.MaxPool2d.Forward(_x, _y, _indices, batch, channels, size, size, 2, 2, 2, 2, 0, 0, 1, 1);
        }

        public void Run()
        {
            switch (_pass)
            {
                case PoolPass.Forward:
                    Kernels.MaxPool2d.Forward(_x, _y, _indices, _batch, _channels, _size, _size, 2, 2, 2, 2, 0, 0, 1, 1);
                    break;
                case PoolPass.Backward:
                    Kernels.MaxPool2d.Backward(_dy, _indices, _dx, _batch, _channels, _size, _size, 2, 2, 2, 2, 0, 0, 1, 1);
                    break;
                case PoolPass.BackwardThenReLU:
                    Kernels.MaxPool2d.Backward(_dy, _indices, _dx, _batch, _channels, _size, _size, 2, 2, 2, 2, 0, 0, 1, 1);
                    Kernels.ActivationBackward.Apply(_dx, _x, _dx.Length, Activation.ReLU);
                    break;
                default:
                    Kernels.MaxPool2d.BackwardThroughReLU(_dy, _y, _indices, _dx, _batch, _channels, _size, _size, 2, 2, 2, 2, 0, 0, 1, 1);
                    break;
            }
        }
    }

    /// <summary>
    /// An average pool's pass over <c>[batch, channels, size, size]</c>: <see cref="Kernels.AvgPool2d"/> with a 3 × 3 window,
    /// stride 2 and padding 1 when <c>outSize</c> is 0 (ResNet's stem pool, averaged), else
    /// <see cref="Kernels.AdaptiveAvgPool2d"/> to <c>outSize × outSize</c>.
    /// </summary>
    private readonly struct AvgPoolStep(int batch, int channels, int size, int outSize, bool backward) : ITimedStep
    {
        private readonly float[] _x = Random(batch * channels * size * size, 10);
        private readonly float[] _y = Random(batch * channels * OutSide(size, outSize) * OutSide(size, outSize), 11);

        public void Run()
        {
            switch ((outSize, backward))
            {
                case (0, false):
                    Kernels.AvgPool2d.Forward(_x, _y, batch, channels, size, size, 3, 3, 2, 2, 1, 1);
                    break;
                case (0, true):
                    Kernels.AvgPool2d.Backward(_y, _x, batch, channels, size, size, 3, 3, 2, 2, 1, 1);
                    break;
                case (_, false):
                    Kernels.AdaptiveAvgPool2d.Forward(_x, _y, batch, channels, size, size, outSize, outSize);
                    break;
                default:
                    Kernels.AdaptiveAvgPool2d.Backward(_y, _x, batch, channels, size, size, outSize, outSize);
                    break;
            }
        }

        private static int OutSide(int size, int outSize) => outSize > 0 ? outSize : ((size + 2 - 3) / 2) + 1;
    }

    /// <summary>The ReLU derivative applied in place to an output gradient, as the generated step does before a convolution's backward passes.</summary>
    private readonly struct ReLUBackwardStep(int length) : ITimedStep
    {
        private readonly float[] _gradient = Random(length, 7), _output = Random(length, 8);

        public void Run() => Kernels.ActivationBackward.Apply(_gradient, _output, _gradient.Length, Activation.ReLU);
    }

    /// <summary>The forward pass's matrix products alone, on a column matrix of random values.</summary>
    private readonly struct ProductStep : ITimedStep
    {
        private readonly Layer _layer;
        private readonly bool _wholeBatch;
        private readonly float[] _columns, _output;

        public ProductStep(Layer layer, bool wholeBatch)
        {
            (_layer, _wholeBatch) = (layer, wholeBatch);
            _columns = Random(layer.Reduction * layer.Plane * (wholeBatch ? layer.Batch : 1), 6);
            _output = new float[layer.Batch * layer.Out * layer.Plane];
        }

        public void Run()
        {
            Layer l = _layer;
            if (_wholeBatch)
            {
                Gemm.Multiply(l.W, _columns, _output, l.Out, l.Reduction, l.Batch * l.Plane);
                return;
            }

            int sample = l.Out * l.Plane;
            for (int n = 0; n < l.Batch; n++)
            {
                Gemm.Multiply(l.W, _columns, _output.AsSpan(n * sample, sample), l.Out, l.Reduction, l.Plane);
            }
        }
    }
}
