using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StaticGrad.Threading;

namespace StaticGrad.Kernels;

/// <summary>
/// A classifier head fused with its loss: <c>logits = hidden · weightᵀ + bias</c> followed by PyTorch's
/// <c>cross_entropy(logits, labels, weight, ignore_index, reduction, label_smoothing)</c>, forward and backward,
/// without a <c>[rows, classes]</c> logits buffer. For a vocabulary of 50,000 classes at batch 256 the unfused
/// head needs 51 MB for the logits and their gradient; this kernel needs <see cref="WorkspaceFloats"/> floats
/// (about 1 MB).
/// </summary>
/// <remarks>
/// <para>
/// Algorithm (the idea of Liger Kernel's fused linear cross-entropy and of Cut Cross-Entropy, on the CPU). The
/// classes are cut into blocks of <see cref="ClassBlock"/> (a function of the sizes only). Pass 1, per block:
/// the block's logits <c>[rows, block]</c> (<see cref="LinearForward"/>, bias fused), then per row an online
/// softmax update (running max <c>M</c>, running <c>s = Σ e^(x - M)</c> rescaled when <c>M</c> grows, the target
/// logit, and for label smoothing the running <c>Σ w_c (M - x_c)</c>, non-negative terms only). That gives every
/// row's loss. Pass 2, per block: the same logits again, overwritten in place by their gradient
/// <c>(p·((1-e)·w_y + (e/C)·Σw) - (1-e)·w_y·onehot(y) - (e/C)·w) / W</c> exactly as
/// <see cref="SoftmaxCrossEntropy"/> writes it, then the block's bias gradient (column sums), its weight-gradient
/// rows <c>dZᵀ · hidden</c> and its share of the hidden gradient <c>dH += dZ · W_block</c>.
/// </para>
/// <para>
/// Recomputing the logits in pass 2 is a fourth product of the size of the forward one. When
/// <c>rows ≤ features</c> the kernel skips it: pass 1 parks each block's logits in the weight-gradient rows of
/// that block (<c>block × features</c> floats, at least the <c>rows × block</c> it needs), which pass 2 copies out
/// before overwriting them with the block's weight gradient. That memory is the caller's output anyway, so the
/// workspace stays per block; the parked and recomputed logits are the same bits.
/// </para>
/// <para>
/// Semantics are <see cref="SoftmaxCrossEntropy"/>'s class-index form (the conformance table of PyTorch's
/// <c>CrossEntropyLoss</c>): per-class weights, an ignore index (rows with it give loss 0 and zero gradient),
/// label smoothing, mean (divided by the target-weight sum of the rows not ignored; all ignored gives NaN), sum,
/// or none (per-row losses; the gradient is that of their sum). Results differ from the unfused path by rounding
/// only (the online softmax sums in blocks), and are the same bits for any thread count: the products never
/// split a reduction, the row statistics run in a fixed order, and the hidden gradient adds the blocks in order.
/// </para>
/// <para>Allocates nothing (after each thread's first matrix product).</para>
/// </remarks>
public static class FusedLinearCrossEntropy
{
    /// <summary>Floats the class-block buffer aims at (1 MB): the block stays in L2 between its products.</summary>
    public const int BlockFloats = 1 << 18;

    /// <summary>
    /// The classes per block for <paramref name="rows"/> rows and <paramref name="classes"/> classes: about
    /// <see cref="BlockFloats"/> / rows rounded to 32 (whole microkernel panels), between 32 and 4096, at most the
    /// class count. A function of the sizes only (never of the machine or the thread count), so results are
    /// reproducible everywhere.
    /// </summary>
    /// <param name="rows">Rows (the batch); zero or more.</param>
    /// <param name="classes">Classes; positive.</param>
    public static int ClassBlock(int rows, int classes)
    {
        int block = Math.Clamp(BlockFloats / Math.Max(1, rows) / 32 * 32, 32, 4096);
        return Math.Min(block, Math.Max(1, classes));
    }

    /// <summary>
    /// The workspace <see cref="ForwardBackward"/> needs: <c>rows × block</c> floats of logits plus six floats of
    /// statistics per row (<c>block</c> = <paramref name="classBlock"/>, or <see cref="ClassBlock"/> when 0).
    /// </summary>
    /// <param name="rows">Rows (the batch); zero or more.</param>
    /// <param name="classes">Classes; positive.</param>
    /// <param name="classBlock">Classes per block, or 0 for <see cref="ClassBlock"/>.</param>
    /// <returns>The number of floats.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range, or the workspace would exceed <see cref="int.MaxValue"/> floats.</exception>
    public static int WorkspaceFloats(int rows, int classes, int classBlock = 0)
    {
        KernelGuard.NonNegative(rows, nameof(rows));
        KernelGuard.Positive(classes, nameof(classes));
        return KernelGuard.Fits(WorkspaceLength(rows, classes, classBlock), nameof(rows), "the workspace rows*(classBlock+6)");
    }

    /// <summary>The largest <see cref="WorkspaceFloats"/> of any batch from 1 to <paramref name="maxRows"/>: a workspace for every call of a model.</summary>
    /// <param name="maxRows">The largest batch; positive.</param>
    /// <param name="classes">Classes; positive.</param>
    /// <returns>The number of floats.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range, or the workspace would exceed <see cref="int.MaxValue"/> floats.</exception>
    public static int WorkspaceFloatsUpTo(int maxRows, int classes)
    {
        KernelGuard.Positive(maxRows, nameof(maxRows));
        KernelGuard.Positive(classes, nameof(classes));
        long most = 0;
        for (int rows = 1; rows <= maxRows && most <= int.MaxValue; rows++)
        {
            most = Math.Max(most, WorkspaceLength(rows, classes, 0));
        }

        return KernelGuard.Fits(most, nameof(maxRows), "the workspace rows*(classBlock+6) of the largest batch");
    }

    /// <summary><see cref="WorkspaceFloats"/> in long, of checked arguments.</summary>
    private static long WorkspaceLength(int rows, int classes, int classBlock)
    {
        int block = classBlock > 0 ? Math.Min(classBlock, classes) : ClassBlock(rows, classes);
        return ((long)rows * block) + ((long)StatsFloatsPerRow * rows);
    }

    /// <summary>
    /// Loss and gradients of <c>cross_entropy(hidden · weightᵀ + bias, labels)</c>: returns the reduced loss and
    /// overwrites the three gradients.
    /// </summary>
    /// <param name="hidden">The head's input, row-major <c>[rows, features]</c>.</param>
    /// <param name="weight">The head's weight, row-major <c>[classes, features]</c> (PyTorch's <c>nn.Linear</c> layout).</param>
    /// <param name="bias">The head's bias, <c>[classes]</c>.</param>
    /// <param name="labels">At least <paramref name="rows"/> labels, each in <c>[0, classes)</c> or equal to <paramref name="ignoreIndex"/>; checked before anything is written.</param>
    /// <param name="hiddenGradient"><c>[rows, features]</c>; overwritten with dLoss/dhidden.</param>
    /// <param name="weightGradient"><c>[classes, features]</c>; overwritten with dLoss/dweight.</param>
    /// <param name="biasGradient"><c>[classes]</c>; overwritten with dLoss/dbias.</param>
    /// <param name="losses">Empty, or at least <paramref name="rows"/> elements that receive each row's unreduced loss (0 for ignored rows).</param>
    /// <param name="workspace">At least <see cref="WorkspaceFloats"/>(rows, classes, classBlock) floats of scratch.</param>
    /// <param name="rows">Rows (the batch); zero or more.</param>
    /// <param name="features">Features of <paramref name="hidden"/>; positive.</param>
    /// <param name="classes">Classes; positive.</param>
    /// <param name="classWeights">Empty (every class weighs 1) or exactly <paramref name="classes"/> non-negative weights.</param>
    /// <param name="ignoreIndex">Rows with this label contribute nothing (PyTorch's <c>ignore_index</c>, default -100).</param>
    /// <param name="labelSmoothing">Label smoothing <c>e</c> in <c>[0, 1]</c>.</param>
    /// <param name="reduction">Mean (by the target weight sum), sum, or none (the sum is returned; the gradient is the sum's).</param>
    /// <param name="classBlock">Classes per block, or 0 for <see cref="ClassBlock"/>. The block decides the summation order, so a different block gives results that differ in rounding.</param>
    /// <returns>The reduced loss; NaN for <see cref="Reduction.Mean"/> when every row is ignored.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension, label, <paramref name="labelSmoothing"/> or <paramref name="reduction"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, spans overlap, or <paramref name="classWeights"/> has the wrong length.</exception>
    public static float ForwardBackward(
        ReadOnlySpan<float> hidden, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<int> labels,
        Span<float> hiddenGradient, Span<float> weightGradient, Span<float> biasGradient, Span<float> losses, Span<float> workspace,
        int rows, int features, int classes,
        ReadOnlySpan<float> classWeights, int ignoreIndex, float labelSmoothing, Reduction reduction, int classBlock = 0)
    {
        KernelGuard.NonNegative(rows, nameof(rows));
        KernelGuard.Positive(features, nameof(features));
        KernelGuard.Positive(classes, nameof(classes));
        KernelGuard.NonNegative(classBlock, nameof(classBlock));
        KernelGuard.Holds(hidden.Length, rows, features, nameof(hidden), "rows*features");
        KernelGuard.Holds(weight.Length, classes, features, nameof(weight), "classes*features");
        KernelGuard.Holds(bias.Length, classes, nameof(bias), "classes");
        KernelGuard.Holds(labels.Length, rows, nameof(labels), "rows");
        KernelGuard.Holds(hiddenGradient.Length, rows, features, nameof(hiddenGradient), "rows*features");
        KernelGuard.Holds(weightGradient.Length, classes, features, nameof(weightGradient), "classes*features");
        KernelGuard.Holds(biasGradient.Length, classes, nameof(biasGradient), "classes");
        if (!losses.IsEmpty)
        {
            KernelGuard.Holds(losses.Length, rows, nameof(losses), "rows");
        }

        KernelGuard.Holds(workspace.Length, WorkspaceFloats(rows, classes, classBlock), nameof(workspace), "FusedLinearCrossEntropy.WorkspaceFloats(rows, classes, classBlock)");
        if (!classWeights.IsEmpty && classWeights.Length != classes)
        {
            throw new ArgumentException($"Expected no class weights or one per class ({classes}), got {classWeights.Length}.", nameof(classWeights));
        }

        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "Expected labelSmoothing in [0, 1].");
        }

        if (reduction is not (Reduction.Mean or Reduction.Sum or Reduction.None))
        {
            KernelGuard.ThrowUnknownReduction(reduction);
        }

        KernelGuard.NoOverlap(hidden, hiddenGradient, nameof(hidden), nameof(hiddenGradient));
        KernelGuard.NoOverlap(weight, weightGradient, nameof(weight), nameof(weightGradient));
        KernelGuard.NoOverlap(hidden, workspace, nameof(hidden), nameof(workspace));
        KernelGuard.NoOverlap(weight, workspace, nameof(weight), nameof(workspace));
        KernelGuard.NoOverlap(weightGradient, workspace, nameof(weightGradient), nameof(workspace));
        KernelGuard.NoOverlap(hiddenGradient, workspace, nameof(hiddenGradient), nameof(workspace));
        KernelGuard.NoOverlap(hidden, weightGradient, nameof(hidden), nameof(weightGradient));
        SoftmaxCrossEntropy.ValidateLabels(labels.Slice(0, rows), classes, ignoreIndex);

        int block = classBlock > 0 ? Math.Min(classBlock, classes) : ClassBlock(rows, classes);
        if (rows == 0)
        {
            weightGradient.Slice(0, classes * features).Clear();
            biasGradient.Slice(0, classes).Clear();
            return reduction == Reduction.Mean ? float.NaN : 0f;
        }

        return Run(hidden, weight, bias, labels, hiddenGradient, weightGradient, biasGradient, losses, workspace, rows, features, classes, classWeights, ignoreIndex, labelSmoothing, reduction, block);
    }

    /// <summary>Per-row statistics in the workspace: the running sum and distance (doubles), the max and the target logit.</summary>
    private const int StatsFloatsPerRow = 6;

    /// <summary>Row elements (rows × block classes) each thread should get before the row passes split: about 30 µs of work.</summary>
    private const long MinRowWorkPerThread = 1L << 15;

    private static unsafe float Run(
        ReadOnlySpan<float> hidden, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<int> labels,
        Span<float> hiddenGradient, Span<float> weightGradient, Span<float> biasGradient, Span<float> losses, Span<float> workspace,
        int rows, int features, int classes,
        ReadOnlySpan<float> classWeights, int ignoreIndex, float labelSmoothing, Reduction reduction, int block)
    {
        bool weighted = !classWeights.IsEmpty;
        bool smoothing = labelSmoothing != 0f;
        Span<double> sums = MemoryMarshal.Cast<float, double>(workspace.Slice(0, 2 * rows));
        Span<double> distances = MemoryMarshal.Cast<float, double>(workspace.Slice(2 * rows, 2 * rows));
        Span<float> maxima = workspace.Slice(4 * rows, rows);
        Span<float> targets = workspace.Slice(5 * rows, rows);
        Span<float> logits = workspace.Slice(StatsFloatsPerRow * rows, rows * block);
        bool park = rows <= features;

        sums.Clear();
        distances.Clear();
        maxima.Fill(float.NegativeInfinity);

        double weightSum = weighted ? SumAsDouble(classWeights) : classes;
        double uniform = (double)labelSmoothing / classes;
        double oneMinus = 1.0 - labelSmoothing;
        double denominator = 1.0;
        if (reduction == Reduction.Mean)
        {
            denominator = 0;
            for (int r = 0; r < rows; r++)
            {
                if (labels[r] != ignoreIndex)
                {
                    denominator += weighted ? classWeights[labels[r]] : 1.0;
                }
            }
        }

        fixed (int* pLabels = labels)
        fixed (double* pSums = sums)
        fixed (double* pDistances = distances)
        fixed (float* pMaxima = maxima)
        fixed (float* pTargets = targets)
        fixed (float* pWeights = classWeights)
        {
            RowPass pass = default;
            pass.Labels = pLabels;
            pass.Sums = pSums;
            pass.Distances = pDistances;
            pass.Maxima = pMaxima;
            pass.Targets = pTargets;
            pass.ClassWeights = pWeights;
            pass.Rows = rows;
            pass.IgnoreIndex = ignoreIndex;
            pass.Weighted = weighted;
            pass.Smoothing = smoothing;
            pass.WeightSum = weightSum;
            pass.Uniform = uniform;
            pass.OneMinus = oneMinus;
            pass.Scale = 1.0 / denominator;

            // Pass 1: the online softmax statistics of every row.
            for (int c0 = 0; c0 < classes; c0 += block)
            {
                int count = Math.Min(block, classes - c0);
                Span<float> blockLogits = park ? weightGradient.Slice(c0 * features, rows * count) : logits.Slice(0, rows * count);
                LinearForward.Run(hidden, weight.Slice(c0 * features, count * features), bias.Slice(c0, count), blockLogits, rows, features, count, Activation.None);
                fixed (float* pBlock = blockLogits)
                {
                    pass.Block = pBlock;
                    pass.Count = count;
                    pass.C0 = c0;
                    RunRows(&pass, &Statistics);
                }

                pass.SeenWeight += weighted ? SumAsDouble(classWeights.Slice(c0, count)) : count;
            }

            // Pass 2: per block, the logits' gradient in place, then the three gradients' shares.
            for (int c0 = 0; c0 < classes; c0 += block)
            {
                int count = Math.Min(block, classes - c0);
                Span<float> blockGradient = logits.Slice(0, rows * count);
                Span<float> blockWeightGradient = weightGradient.Slice(c0 * features, count * features);
                ReadOnlySpan<float> blockWeight = weight.Slice(c0 * features, count * features);
                if (park)
                {
                    blockWeightGradient.Slice(0, rows * count).CopyTo(blockGradient);
                }
                else
                {
                    LinearForward.Run(hidden, blockWeight, bias.Slice(c0, count), blockGradient, rows, features, count, Activation.None);
                }

                fixed (float* pBlock = blockGradient)
                {
                    pass.Block = pBlock;
                    pass.Count = count;
                    pass.C0 = c0;
                    RunRows(&pass, &Gradient);
                }

                ActivationBackward.ApplyAndReduceBias(blockGradient, blockGradient, biasGradient.Slice(c0, count), rows, count, Activation.None);
                Gemm.MultiplyTransposeA(blockGradient, hidden, blockWeightGradient, count, rows, features);
                if (c0 == 0)
                {
                    Gemm.Multiply(blockGradient, blockWeight, hiddenGradient, rows, count, features);
                }
                else
                {
                    Gemm.MultiplyAccumulate(blockGradient, blockWeight, hiddenGradient, rows, count, features);
                }
            }
        }

        // The loss, as SoftmaxCrossEntropy assembles it.
        double targetTotal = 0, uniformTotal = 0;
        for (int r = 0; r < rows; r++)
        {
            int label = labels[r];
            if (label == ignoreIndex)
            {
                if (!losses.IsEmpty)
                {
                    losses[r] = 0f;
                }

                continue;
            }

            double targetWeight = weighted ? classWeights[label] : 1.0;
            double logSum = Math.Log(sums[r]);
            double targetLoss = targetWeight * (((double)maxima[r] - targets[r]) + logSum);
            double uniformLoss = smoothing ? (weightSum * logSum) + distances[r] : 0;
            targetTotal += targetLoss;
            uniformTotal += uniformLoss;
            if (!losses.IsEmpty)
            {
                losses[r] = (float)((oneMinus * targetLoss) + (uniform * uniformLoss));
            }
        }

        double reduced = reduction == Reduction.Mean
            ? (oneMinus * (targetTotal / denominator)) + (smoothing ? uniform * (uniformTotal / denominator) : 0)
            : (oneMinus * targetTotal) + (uniform * uniformTotal);
        return (float)reduced;
    }

    /// <summary>Runs a row pass over the rows of the current block, split in row ranges across the pool when it is large.</summary>
    private static unsafe void RunRows(RowPass* pass, delegate*<void*, int, void> body)
    {
        int threads = Partition.Threads((long)pass->Rows * pass->Count, MinRowWorkPerThread);
        int parts = Partition.Split(pass->Rows, 1, threads, out pass->RowsPerPart);
        if (parts <= 1)
        {
            body(pass, 0);
        }
        else
        {
            WorkerPool.Run(parts, threads, body, pass);
        }
    }

    /// <summary>Pass 1 for rows of one part: folds the block into each row's running max, sum, target and distance.</summary>
    private static unsafe void Statistics(void* context, int part)
    {
        var p = (RowPass*)context;
        int r0 = part * p->RowsPerPart, r1 = Math.Min(p->Rows, r0 + p->RowsPerPart);
        int count = p->Count, c0 = p->C0;
        for (int r = r0; r < r1; r++)
        {
            int label = p->Labels[r];
            if (label == p->IgnoreIndex)
            {
                continue;
            }

            ref float row = ref *(p->Block + ((nint)r * count));
            if ((uint)(label - c0) < (uint)count)
            {
                p->Targets[r] = Unsafe.Add(ref row, label - c0);
            }

            float oldMax = p->Maxima[r];
            float max = Math.Max(oldMax, SoftmaxRow.Max(ref row, count));
            p->Maxima[r] = max;
            double rescale = oldMax == max ? 1.0 : Math.Exp((double)oldMax - max);
            p->Sums[r] = (p->Sums[r] * rescale) + SoftmaxRow.SumExp(ref row, max, count);
            if (p->Smoothing)
            {
                double shift = oldMax == max || p->SeenWeight == 0 ? 0 : ((double)max - oldMax) * p->SeenWeight;
                double distance = p->Weighted
                    ? SoftmaxRow.WeightedDistanceSum(ref row, ref *(p->ClassWeights + c0), max, count)
                    : ((double)count * max) - SoftmaxRow.SumAsDouble(ref row, count);
                p->Distances[r] += shift + distance;
            }
        }
    }

    /// <summary>Pass 2 for rows of one part: overwrites the block's logits with dLoss/dlogits, as <see cref="SoftmaxCrossEntropy"/> does.</summary>
    private static unsafe void Gradient(void* context, int part)
    {
        var p = (RowPass*)context;
        int r0 = part * p->RowsPerPart, r1 = Math.Min(p->Rows, r0 + p->RowsPerPart);
        int count = p->Count, c0 = p->C0;
        double scale = p->Scale, uniform = p->Uniform, oneMinus = p->OneMinus;
        for (int r = r0; r < r1; r++)
        {
            ref float row = ref *(p->Block + ((nint)r * count));
            int label = p->Labels[r];
            if (label == p->IgnoreIndex)
            {
                MemoryMarshal.CreateSpan(ref row, count).Clear();
                continue;
            }

            double targetWeight = p->Weighted ? p->ClassWeights[label] : 1.0;
            double probabilityScale = ((oneMinus * targetWeight) + (uniform * p->WeightSum)) * scale;
            float max = p->Maxima[r];
            double sum = p->Sums[r];
            float expScale = (float)(probabilityScale / sum);
            if (p->Weighted && p->Smoothing)
            {
                SoftmaxRow.WriteExpAffineWeighted(ref row, max, expScale, ref *(p->ClassWeights + c0), (float)(-uniform * scale), count);
            }
            else
            {
                SoftmaxRow.WriteExpAffine(ref row, max, expScale, (float)(-uniform * scale), count);
            }

            if ((uint)(label - c0) < (uint)count)
            {
                double targetProbability = Math.Exp((double)p->Targets[r] - max) / sum;
                Unsafe.Add(ref row, label - c0) = (float)((probabilityScale * targetProbability) - ((uniform + oneMinus) * targetWeight * scale));
            }
        }
    }

    private static double SumAsDouble(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float value in values)
        {
            sum += value;
        }

        return sum;
    }

    /// <summary>What the row passes of one block share across threads: pointers into the pinned spans and the constants.</summary>
    private unsafe struct RowPass
    {
        public float* Block;
        public int* Labels;
        public double* Sums;
        public double* Distances;
        public float* Maxima;
        public float* Targets;
        public float* ClassWeights;
        public int Rows;
        public int Count;
        public int C0;
        public int RowsPerPart;
        public int IgnoreIndex;
        public bool Weighted;
        public bool Smoothing;
        public double SeenWeight;
        public double WeightSum;
        public double Uniform;
        public double OneMinus;
        public double Scale;
    }
}
