using System;
using StaticGrad.Threading;

namespace StaticGrad.Kernels;

/// <summary>
/// The two products of a fully connected layer's backward pass, the weight gradient <c>dYᵀ·X</c> and the input gradient
/// <c>dY·W</c>, which read the same output gradient and nothing of each other: when each is too small to split, the two
/// run side by side, each whole on its own core.
/// </summary>
/// <remarks>
/// <see cref="Gemm"/> keeps a product of fewer than 2 × <see cref="Gemm.MinWorkPerThread"/> multiply-adds on one thread
/// (split, it would leave half of its output in each core's cache for the single-threaded calls after it). Two such
/// products of at least <see cref="Gemm.MinWorkPerThread"/> each run here on two threads, one product each: LeNet-5's
/// 120 → 84 layer (645 k multiply-adds a product) goes from one thread's 37 µs to about 21 µs (docs/performance.md,
/// "The fully connected backward pass"). Larger products are split as <see cref="Gemm"/> splits them; smaller ones run one
/// after the other on the calling thread. Either way every element is the k-ordered chain <see cref="Gemm"/> computes, so
/// the results are bit-identical for any thread count.
/// </remarks>
public static unsafe class LinearBackward
{
    /// <summary>
    /// Computes <c>weightGradient[outputs,inputs] = outputGradient[batch,outputs]ᵀ · input[batch,inputs]</c> and
    /// <c>inputGradient[batch,inputs] = outputGradient · weight[outputs,inputs]</c> (PyTorch's <c>nn.Linear</c> backward
    /// without its bias); both outputs are overwritten.
    /// </summary>
    /// <param name="outputGradient">Row-major <c>[batch, outputs]</c>; at least <c>batch·outputs</c> elements.</param>
    /// <param name="input">The layer's input, row-major <c>[batch, inputs]</c>; at least <c>batch·inputs</c> elements.</param>
    /// <param name="weight">Row-major <c>[outputs, inputs]</c> (PyTorch layout); at least <c>outputs·inputs</c> elements.</param>
    /// <param name="weightGradient">Row-major <c>[outputs, inputs]</c>; at least <c>outputs·inputs</c> elements.</param>
    /// <param name="inputGradient">Row-major <c>[batch, inputs]</c>; at least <c>batch·inputs</c> elements.</param>
    /// <param name="batch">Rows; zero or more (zero rows leave the weight gradient zero).</param>
    /// <param name="inputs">Input features; positive.</param>
    /// <param name="outputs">Output features; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or an output overlaps an input or the other output.</exception>
    public static void Run(
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        Span<float> weightGradient, Span<float> inputGradient, int batch, int inputs, int outputs)
    {
        KernelGuard.NonNegative(batch, nameof(batch));
        KernelGuard.Positive(inputs, nameof(inputs));
        KernelGuard.Positive(outputs, nameof(outputs));
        KernelGuard.Holds(outputGradient.Length, batch, outputs, nameof(outputGradient), "batch*outputs");
        KernelGuard.Holds(input.Length, batch, inputs, nameof(input), "batch*inputs");
        KernelGuard.Holds(weight.Length, outputs, inputs, nameof(weight), "outputs*inputs");
        KernelGuard.Holds(weightGradient.Length, outputs, inputs, nameof(weightGradient), "outputs*inputs");
        KernelGuard.Holds(inputGradient.Length, batch, inputs, nameof(inputGradient), "batch*inputs");
        KernelGuard.NoOverlap(outputGradient, weightGradient, nameof(outputGradient), nameof(weightGradient));
        KernelGuard.NoOverlap(input, weightGradient, nameof(input), nameof(weightGradient));
        KernelGuard.NoOverlap(weight, weightGradient, nameof(weight), nameof(weightGradient));
        KernelGuard.NoOverlap(outputGradient, inputGradient, nameof(outputGradient), nameof(inputGradient));
        KernelGuard.NoOverlap(input, inputGradient, nameof(input), nameof(inputGradient));
        KernelGuard.NoOverlap(weight, inputGradient, nameof(weight), nameof(inputGradient));
        KernelGuard.NoOverlap(weightGradient, inputGradient, nameof(weightGradient), nameof(inputGradient));

        if (batch == 0)
        {
            // Gemm leaves an empty product's output alone; a gradient summed over no rows is zero.
            weightGradient[..(outputs * inputs)].Clear();
            return;
        }

        // Side by side when a product is a thread's worth of work (Gemm's threshold) but not two: alone it would not be split.
        long work = (long)batch * inputs * outputs;
        if (work >= 2 * Gemm.MinWorkPerThread || Partition.Threads(2 * work, Gemm.MinWorkPerThread) < 2)
        {
            WeightGradient(outputGradient, input, weightGradient, batch, inputs, outputs);
            InputGradient(outputGradient, weight, inputGradient, batch, inputs, outputs);
            return;
        }

        fixed (float* dy = outputGradient)
        fixed (float* x = input)
        fixed (float* w = weight)
        fixed (float* dw = weightGradient)
        fixed (float* dx = inputGradient)
        {
            var job = new Job { OutputGradient = dy, Input = x, Weight = w, WeightGradient = dw, InputGradient = dx, Batch = batch, Inputs = inputs, Outputs = outputs };
            WorkerPool.Run(2, 2, &RunPart, &job);
        }
    }

    private static void WeightGradient(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, Span<float> dw, int batch, int inputs, int outputs) =>
        Gemm.Run(dy, x, dw, default, outputs, batch, inputs, transposeA: true, transposeB: false, epilogue: false, Activation.None);

    private static void InputGradient(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx, int batch, int inputs, int outputs) =>
        Gemm.Run(dy, w, dx, default, batch, outputs, inputs, transposeA: false, transposeB: false, epilogue: false, Activation.None);

    /// <summary>Part 0 the weight gradient, part 1 (the calling thread's) the input gradient, each on one thread.</summary>
    private static void RunPart(void* context, int part)
    {
        var job = (Job*)context;
        int batch = job->Batch, inputs = job->Inputs, outputs = job->Outputs;
        var dy = new ReadOnlySpan<float>(job->OutputGradient, batch * outputs);
        using (Partition.Override(1, splitAlways: false))
        {
            if (part == 0)
            {
                WeightGradient(dy, new ReadOnlySpan<float>(job->Input, batch * inputs), new Span<float>(job->WeightGradient, outputs * inputs), batch, inputs, outputs);
            }
            else
            {
                InputGradient(dy, new ReadOnlySpan<float>(job->Weight, outputs * inputs), new Span<float>(job->InputGradient, batch * inputs), batch, inputs, outputs);
            }
        }
    }

    /// <summary>The operands of one call, as its two parts see them.</summary>
    private struct Job
    {
        public float* OutputGradient;
        public float* Input;
        public float* Weight;
        public float* WeightGradient;
        public float* InputGradient;
        public int Batch;
        public int Inputs;
        public int Outputs;
    }
}
