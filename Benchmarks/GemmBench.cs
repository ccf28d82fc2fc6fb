using System;
using System.Globalization;
using StaticGrad.Kernels;

namespace StaticGrad.Benchmarks;

/// <summary>Matrix-multiply throughput in GFLOP/s (2·m·k·n floating-point operations per product).</summary>
public static class GemmBench
{
    /// <summary>The three layouts training uses.</summary>
    public enum Layout
    {
        /// <summary><c>A·B</c>.</summary>
        Plain,

        /// <summary><c>Aᵀ·B</c>.</summary>
        TransposeA,

        /// <summary><c>A·Bᵀ</c>.</summary>
        TransposeB,
    }

    /// <summary>Median GFLOP/s of <paramref name="layout"/> at <c>m × k × n</c> with <paramref name="threads"/> threads.</summary>
    public static double GFlops(Layout layout, int m, int k, int n, int threads, int repeats = 5, double runSeconds = 0.2)
    {
        int saved = Parallelism.MaxThreads;
        Parallelism.MaxThreads = threads;
        try
        {
            var step = new Product(layout, m, k, n);
            (double median, _) = Timing.Measure(ref step, repeats, runSeconds, warmupSeconds: 0.3);
            return 2.0 * m * k * n / (median * 1e-6) / 1e9;
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    /// <summary>
    /// One-thread GFLOP/s from the thread's CPU time (<see cref="Timing.MeasureCpuTime{T}"/>), for measuring on a machine
    /// that other jobs keep busy.
    /// </summary>
    public static double CpuTimeGFlops(Layout layout, int m, int k, int n, int runs = 15)
    {
        int saved = Parallelism.MaxThreads;
        Parallelism.MaxThreads = 1;
        try
        {
            var step = new Product(layout, m, k, n);
            return 2.0 * m * k * n / (Timing.MeasureCpuTime(ref step, runs, runSeconds: 0.05, warmupSeconds: 0.1) * 1e-6) / 1e9;
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    /// <summary>Prints GFLOP/s for the given shapes, each layout, 1 and all threads.</summary>
    public static void Print(int[][] shapes)
    {
        if (Environment.GetEnvironmentVariable("STATICGRAD_BENCH_CPU_TIME") == "1" && ThreadCpuTime.IsSupported)
        {
            PrintCpuTime(shapes);
            return;
        }

        (double peak, int bits) = FmaPeak.Measure();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FMA peak ({bits}-bit, one core): {peak:F1} GFLOP/s"));
        Console.WriteLine($"microkernel: {Gemm.Microkernel}; blocking: {Gemm.Blocking}");
        Console.WriteLine("layout        m     k     n   1 thread  (% peak)   2 threads");
        foreach (int[] s in shapes)
        {
            foreach (Layout layout in Enum.GetValues<Layout>())
            {
                double one = GFlops(layout, s[0], s[1], s[2], 1);
                double two = GFlops(layout, s[0], s[1], s[2], Math.Max(2, Parallelism.DefaultThreadCount));
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{layout,-10} {s[0],5} {s[1],5} {s[2],5}   {one,8:F1}  ({100 * one / peak,5:F1}%)  {two,8:F1}"));
            }
        }
    }

    /// <summary>The one-thread table in CPU time, beside the FMA peak measured the same way.</summary>
    private static void PrintCpuTime(int[][] shapes)
    {
        (double peak, int bits) = FmaPeak.Measure(cpuTime: true);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"thread CPU time (STATICGRAD_BENCH_CPU_TIME=1); load {Compare.LoadAverage()}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FMA peak ({bits}-bit, one core, CPU time): {peak:F1} GFLOP/s"));
        Console.WriteLine($"microkernel: {Gemm.Microkernel}; blocking: {Gemm.Blocking}");
        Console.WriteLine("layout        m     k     n   1 thread  (% peak)");
        foreach (int[] s in shapes)
        {
            foreach (Layout layout in Enum.GetValues<Layout>())
            {
                double one = CpuTimeGFlops(layout, s[0], s[1], s[2]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{layout,-10} {s[0],5} {s[1],5} {s[2],5}   {one,8:F1}  ({100 * one / peak,5:F1}%)"));
            }
        }
    }

    private readonly struct Product : ITimedStep
    {
        private readonly Layout _layout;
        private readonly int _m, _k, _n;
        private readonly float[] _a, _b, _c;

        public Product(Layout layout, int m, int k, int n)
        {
            _layout = layout;
            (_m, _k, _n) = (m, k, n);
            var rng = new Rng(7);
            _a = new float[m * k];
            _b = new float[k * n];
            _c = new float[m * n];
            for (int i = 0; i < _a.Length; i++)
            {
                _a[i] = rng.NextSingle(-1f, 1f);
            }

            for (int i = 0; i < _b.Length; i++)
            {
                _b[i] = rng.NextSingle(-1f, 1f);
            }
        }

        public void Run()
        {
            switch (_layout)
            {
                case Layout.Plain:
                    Gemm.Multiply(_a, _b, _c, _m, _k, _n);
                    break;
                case Layout.TransposeA:
                    Gemm.MultiplyTransposeA(_a, _b, _c, _m, _k, _n);
                    break;
                default:
                    Gemm.MultiplyTransposeB(_a, _b, _c, _m, _k, _n);
                    break;
            }
        }
    }
}
