using System;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;

namespace StaticGrad.Distributed;

/// <summary>
/// One data-parallel training step: every rank holds a replica of the model, computes the gradient of its slice of
/// the global batch, and one all-reduce of the flat gradient buffer (plus the loss denominator and the loss) makes
/// every rank's gradient the gradient of one process on the whole global batch; the optimizer then steps
/// identically everywhere.
/// </summary>
/// <remarks>
/// Construction broadcasts rank 0's parameters, so the replicas start equal whatever each rank initialized.
/// A step allocates nothing. With one rank it is exactly <c>TrainStep</c> then <c>Step</c>, without communication.
/// <para>
/// Dropout (an <see cref="IStochasticModel"/>): each rank draws the masks of its own rows from its replica's generator,
/// so the weights are those of a valid dropout training but not one process's (whose masks fall differently on the
/// rows); give every rank its own stream (<see cref="DataParallelTrainer"/> does). Buffers (batch norm's running
/// statistics): as PyTorch's <c>DistributedDataParallel</c> with <c>broadcast_buffers=True</c> and without
/// <c>SyncBatchNorm</c>, each rank normalizes with its own slice's batch statistics, and rank 0's buffers are
/// broadcast to every rank after each step, so every replica holds rank 0's running statistics (updated from rank 0's
/// slices only). The deterministic mode refuses both.
/// </para>
/// </remarks>
public sealed class DataParallel
{
    private readonly IModel _model;
    private readonly IOptimizer _optimizer;
    private readonly ICommunicator _communicator;
    private readonly GradientAveraging _averaging;
    private readonly float[] _buffer;
    private readonly long[] _exact;
    private float? _clipGradNorm;
    private float[]? _accumulated;

    /// <summary>Fraction bits of the fixed-point numbers the deterministic mode adds up.</summary>
    private const int FractionBits = 40;

    /// <summary>The most blocks one global batch may have in the deterministic mode, so that no sum overflows.</summary>
    public const int MaxDeterministicBlocks = 4096;

    /// <summary>The largest |block gradient × block denominator| the deterministic mode accepts (2^50 / 2^40).</summary>
    public const double MaxDeterministicMagnitude = 1024;

    /// <summary>Makes <paramref name="model"/> one replica of a data-parallel job and broadcasts rank 0's parameters to it.</summary>
    /// <param name="model">This rank's model; the same architecture on every rank.</param>
    /// <param name="optimizer">An optimizer over the model's parameters, with the same settings on every rank.</param>
    /// <param name="communicator">The job's ranks.</param>
    /// <param name="averaging">How the loss reduces over rows (<see cref="GradientAveraging.For"/> of the model's loss).</param>
    /// <param name="deterministicBlockSize">
    /// 0 (default): one all-reduce of float gradients, the same weights as one process within rounding. Positive:
    /// the rank-count-independent mode (see <see cref="DeterministicBlockSize"/>) with blocks of this many rows.
    /// </param>
    /// <exception cref="NotSupportedException">The model has dropout.</exception>
    public DataParallel(IModel model, IOptimizer optimizer, ICommunicator communicator, GradientAveraging averaging, int deterministicBlockSize = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(averaging);
        OptimizerOwnership.ThrowIfNotOver(optimizer, model, nameof(optimizer));
        if (deterministicBlockSize > 0 && (model is IStochasticModel || model.Parameters.Buffers.Count > 0))
        {
            throw new NotSupportedException(
                $"{model.GetType().Name} has {(model is IStochasticModel ? "dropout" : "buffers (batch norm's running statistics)")}: each rank would draw masks or update statistics for its own blocks, so the deterministic mode could not give the same bits at every rank count.");
        }

        if (averaging.IsMean != (model.LossReduction == Reduction.Mean))
        {
            // At one rank the averaging changes nothing, so a wrong one would show only as a different training at N ranks.
            throw new ArgumentException(
                $"Expected the averaging of {model.GetType().Name}'s loss, whose reduction is {model.LossReduction}: GradientAveraging.For(model.Loss), not {(averaging.IsMean ? "a mean's" : "Sum")}.",
                nameof(averaging));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(deterministicBlockSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(deterministicBlockSize, model.MaxBatch);
        _model = model;
        _optimizer = optimizer;
        _communicator = communicator;
        _averaging = averaging;
        DeterministicBlockSize = deterministicBlockSize;
        _buffer = deterministicBlockSize == 0 ? new float[model.Parameters.Count + 2] : [];
        _exact = deterministicBlockSize == 0 ? [] : new long[model.Parameters.Count + 2];
        BroadcastParameters();
    }

    /// <summary>The job's ranks.</summary>
    public ICommunicator Communicator => _communicator;

    /// <summary>Whether this is rank 0, the rank that writes checkpoints and reports progress.</summary>
    public bool IsRoot => _communicator.Rank == 0;

    /// <summary>This rank's replica.</summary>
    public IModel Model => _model;

    /// <summary>The optimizer of this rank's replica.</summary>
    public IOptimizer Optimizer => _optimizer;

    /// <summary>How the loss's gradient is averaged over ranks.</summary>
    public GradientAveraging Averaging => _averaging;

    /// <summary>
    /// null, or the largest total 2-norm of the gradient before each optimizer step (PyTorch's <c>clip_grad_norm_</c>,
    /// <see cref="GradientClipping.ClipGradNorm"/>). The norm is taken after the all-reduce, on the gradient of the whole
    /// global batch, so it is the norm one process computes, and every rank scales by the same factor.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not finite and positive.</exception>
    public float? ClipGradNorm
    {
        get => _clipGradNorm;
        set
        {
            if (value is float norm && !(float.IsFinite(norm) && norm > 0))
            {
                throw new ArgumentOutOfRangeException(nameof(value), norm, "The clipping norm must be finite and greater than 0.");
            }

            _clipGradNorm = value;
        }
    }

    /// <summary>
    /// 0, or the block size of the mode whose result does not depend on the rank count, bit for bit. Every global batch
    /// is cut into blocks of this many rows, whatever the rank count, and ranks own whole blocks (<see cref="SliceOf"/>).
    /// Each block's gradient (one <c>TrainStep</c> per block, times the block's loss denominator) is rounded to 64-bit
    /// fixed point with 40 fraction bits, and the blocks are added as integers, locally and in the all-reduce: integer
    /// sums are exact, so their order, hence the rank count, cannot change the result. A run at 1, 2 or N ranks ends
    /// with the same bits. Costs: the reference is this blocked computation, not one <c>TrainStep</c> on the whole batch
    /// (they agree to rounding); small blocks make the matrix products less efficient; the all-reduce moves 64-bit
    /// integers (twice the bytes); gradient elements are resolved to 2^-40 before the division by the denominator;
    /// |block gradient × block denominator| must stay below <see cref="MaxDeterministicMagnitude"/> and a global batch
    /// may hold at most <see cref="MaxDeterministicBlocks"/> blocks.
    /// </summary>
    public int DeterministicBlockSize { get; }

    /// <summary>
    /// The contiguous slice of a global batch of <paramref name="globalBatch"/> samples that <paramref name="rank"/>
    /// of <paramref name="size"/> takes: the batch is cut into blocks of <paramref name="blockSize"/> rows (the last one
    /// may be shorter) and each rank takes <c>blocks / size</c> consecutive blocks, one more for the first
    /// <c>blocks % size</c> ranks. With blocks of one row: <c>globalBatch / size</c> rows, one more for the first
    /// <c>globalBatch % size</c> ranks.
    /// </summary>
    /// <param name="globalBatch">Samples in the global batch; non-negative.</param>
    /// <param name="rank">The rank.</param>
    /// <param name="size">The number of ranks.</param>
    /// <param name="blockSize">Rows per block; positive (1 unless <see cref="DeterministicBlockSize"/> is used).</param>
    /// <returns>The slice's first sample and its length (possibly 0).</returns>
    public static (int Start, int Count) SliceOf(int globalBatch, int rank, int size, int blockSize = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(globalBatch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)rank, (uint)size, nameof(rank));
        int blocks = (int)(((long)globalBatch + blockSize - 1) / blockSize);
        int share = blocks / size, extra = blocks % size;
        long first = ((long)rank * share) + Math.Min(rank, extra);
        long start = Math.Min(first * blockSize, globalBatch);
        long end = Math.Min((first + share + (rank < extra ? 1 : 0)) * blockSize, globalBatch);
        return ((int)start, (int)(end - start));
    }

    /// <summary>Copies the parameters of rank <paramref name="root"/> to every rank (collective).</summary>
    /// <param name="root">The rank whose weights win.</param>
    public void BroadcastParameters(int root = 0) => _communicator.Broadcast(_model.Parameters.Values, root);

    /// <summary>
    /// Trains on this rank's <paramref name="batch"/> rows of the global batch (collective: every rank calls it for
    /// the same global batch, a rank with no rows with 0): forward and backward here, one all-reduce, then the
    /// optimizer step with the gradient of the whole global batch.
    /// </summary>
    /// <param name="inputs">This rank's rows, <c>batch × InputSize</c>.</param>
    /// <param name="labels">This rank's labels.</param>
    /// <param name="batch">This rank's rows, 0 to <see cref="IInferenceModel.MaxBatch"/> (in the deterministic mode: any number of whole blocks, the last one possibly short).</param>
    /// <returns>The loss of the global batch, reduced as the model's loss reduces it (NaN for a <c>'mean'</c> loss whose rows are all ignored).</returns>
    public float Step(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batch)
    {
        float loss = ReduceGradient(inputs, labels, batch);
        StepOptimizer();
        return loss;
    }

    /// <summary>
    /// One micro-batch of an accumulated step (collective, like <see cref="Step"/> but without the optimizer step):
    /// the global micro-batch's gradient, from one all-reduce, times <paramref name="weight"/>, added to the gradients
    /// of the micro-batches before it in the group (cleared first when <paramref name="first"/>). After the group's last
    /// micro-batch, <see cref="ApplyGradient"/> steps. With one rank (default mode) this is exactly the model's
    /// <see cref="IModel.AccumulateGradients"/>, as the one-process trainer calls it; with more ranks each micro-batch's
    /// global gradient is formed first and then weighted, so the result agrees with one process to rounding. Each
    /// micro-batch costs one all-reduce (PyTorch DDP's <c>no_sync</c>, one all-reduce per group, is not implemented).
    /// </summary>
    /// <param name="inputs">This rank's rows of the micro-batch.</param>
    /// <param name="labels">This rank's labels.</param>
    /// <param name="batch">This rank's rows (as for <see cref="Step"/>).</param>
    /// <param name="weight">The micro-batch's share of the group: its global rows over the group's for a <c>'mean'</c> loss, else 1.</param>
    /// <param name="first">Whether this is the group's first micro-batch.</param>
    /// <returns>The micro-batch's global loss, unweighted.</returns>
    public float AccumulateGradient(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batch, float weight, bool first)
    {
        if (_communicator.Size == 1 && DeterministicBlockSize == 0)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
            if (first)
            {
                _model.Parameters.ZeroGradients();
            }

            return _model.AccumulateGradients(inputs, labels, batch, weight);
        }

        float loss = ReduceGradient(inputs, labels, batch);
        Span<float> gradients = _model.Parameters.Gradients;
        _accumulated ??= new float[gradients.Length];
        Span<float> accumulated = _accumulated;
        for (int i = 0; i < gradients.Length; i++)
        {
            accumulated[i] = first ? weight * gradients[i] : accumulated[i] + (weight * gradients[i]);
        }

        accumulated.CopyTo(gradients);
        return loss;
    }

    /// <summary>
    /// Steps the optimizer with the gradients in the model (after <see cref="AccumulateGradient"/>): clipping
    /// (<see cref="ClipGradNorm"/>), the step, then rank 0's buffers to every rank. Collective when the model has buffers.
    /// </summary>
    public void ApplyGradient() => StepOptimizer();

    /// <summary>Forward, backward and the all-reduce: leaves the global batch's gradient in the model and returns its loss.</summary>
    private float ReduceGradient(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        if (DeterministicBlockSize > 0)
        {
            return StepDeterministic(inputs, labels, batch);
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(batch, _model.MaxBatch);
        Span<float> gradients = _model.Parameters.Gradients;
        if (_communicator.Size == 1)
        {
            if (batch == 0)
            {
                throw new ArgumentOutOfRangeException(nameof(batch), batch, "A single rank must train on at least one row.");
            }

            return _model.TrainStep(inputs, labels, batch);
        }

        int count = gradients.Length;
        Span<float> buffer = _buffer;
        double denominator = batch == 0 ? (_averaging.IsMean ? 0.0 : 1.0) : _averaging.Denominator(labels, batch);
        if (batch == 0 || denominator == 0)
        {
            // No rows, or only ignored ones: this rank adds nothing (its own 'mean' would be 0/0).
            if (batch > 0)
            {
                _model.Parameters.Gradients.Clear();
            }

            buffer.Clear();
        }
        else
        {
            float loss = _model.TrainStep(inputs, labels, batch);
            float scale = (float)denominator;
            for (int i = 0; i < count; i++)
            {
                buffer[i] = gradients[i] * scale;
            }

            buffer[count] = _averaging.IsMean ? scale : 0f;
            buffer[count + 1] = (float)((double)loss * denominator);
        }

        _communicator.AllReduceSum(buffer);
        float total = buffer[count];
        float globalLoss;
        if (!_averaging.IsMean)
        {
            buffer[..count].CopyTo(gradients);
            globalLoss = buffer[count + 1];
        }
        else if (total == 0)
        {
            // Every row of the global batch is ignored: one process gets a NaN loss and no gradient.
            gradients.Clear();
            globalLoss = float.NaN;
        }
        else
        {
            float inverse = (float)(1.0 / total);
            for (int i = 0; i < count; i++)
            {
                gradients[i] = buffer[i] * inverse;
            }

            globalLoss = (float)(buffer[count + 1] / (double)total);
        }

        return globalLoss;
    }

    /// <summary>
    /// Trains on a global batch every rank holds whole: takes this rank's slice (<see cref="SliceOf"/>) and calls
    /// <see cref="Step"/>.
    /// </summary>
    /// <param name="inputs">The global batch's rows, <c>globalBatch × InputSize</c>; the same on every rank.</param>
    /// <param name="labels">The global batch's labels.</param>
    /// <param name="globalBatch">Rows in the global batch.</param>
    /// <returns>The loss of the global batch.</returns>
    public float StepGlobal(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int globalBatch)
    {
        (int start, int count) = SliceOf(globalBatch, _communicator.Rank, _communicator.Size, Math.Max(DeterministicBlockSize, 1));
        int features = _model.InputSize;
        ModelGuard.CheckLength(inputs.Length, checked(globalBatch * features), nameof(inputs));
        ModelGuard.CheckLength(labels.Length, globalBatch, nameof(labels));
        return Step(inputs.Slice(start * features, count * features), labels.Slice(start, count), count);
    }

    /// <summary>The gradient of <see cref="DeterministicBlockSize"/>: blocks added in 64-bit fixed point, exactly.</summary>
    private float StepDeterministic(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batch)
    {
        int block = DeterministicBlockSize, features = _model.InputSize;
        if ((batch + block - 1) / block > MaxDeterministicBlocks)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"At most {MaxDeterministicBlocks} blocks of {block} rows per step.");
        }

        Span<float> gradients = _model.Parameters.Gradients;
        int count = gradients.Length;
        Span<long> exact = _exact;
        exact.Clear();
        for (int start = 0; start < batch; start += block)
        {
            int rows = Math.Min(block, batch - start);
            ReadOnlySpan<int> blockLabels = labels.Slice(start, rows);
            double denominator = _averaging.Denominator(blockLabels, rows);
            if (denominator == 0)
            {
                continue; // every row ignored: the block adds nothing
            }

            float loss = _model.TrainStep(inputs.Slice(start * features, rows * features), blockLabels, rows);
            double factor = _averaging.IsMean ? denominator : 1.0;
            AccumulateFixed(gradients, factor, exact[..count]);

            exact[count] += _averaging.IsMean ? ToFixed(denominator) : 0;
            exact[count + 1] += ToFixed(loss * factor);
        }

        _communicator.AllReduceSum(exact);
        const double scale = 1L << FractionBits;
        double total = _averaging.IsMean ? exact[count] / scale : 1.0;
        float globalLoss;
        if (total == 0)
        {
            gradients.Clear();
            globalLoss = float.NaN;
        }
        else
        {
            double inverse = 1.0 / (scale * total);
            for (int i = 0; i < count; i++)
            {
                gradients[i] = (float)(exact[i] * inverse);
            }

            globalLoss = (float)(exact[count + 1] * inverse);
        }

        return globalLoss;
    }

    /// <summary>
    /// Copies rank 0's buffers (batch norm's running statistics and counters) to every rank (collective; nothing when the
    /// model has none or there is one rank). <see cref="Step"/> calls it after every step.
    /// </summary>
    public void BroadcastBuffers()
    {
        ParameterSet parameters = _model.Parameters;
        if (_communicator.Size == 1 || parameters.Buffers.Count == 0)
        {
            return;
        }

        if (parameters.BufferValues.Length > 0)
        {
            _communicator.Broadcast(parameters.BufferValues, 0);
        }

        if (parameters.Counters.Length > 0)
        {
            _communicator.Broadcast(MemoryMarshal.AsBytes(parameters.Counters), 0);
        }
    }

    /// <summary>Clips the global gradient if <see cref="ClipGradNorm"/> says so, then steps the optimizer; then the buffers follow rank 0's.</summary>
    private void StepOptimizer()
    {
        BroadcastBuffers();
        if (_clipGradNorm is float maxNorm)
        {
            GradientClipping.ClipGradNorm(_model.Parameters, maxNorm);
        }

        _optimizer.Step();
    }

    /// <summary>Adds <c>round(values[i] · factor · 2^40)</c> to <paramref name="sums"/>[i], vectorized; the same results as <see cref="ToFixed"/> (scaling by 2^40 is exact).</summary>
    private static void AccumulateFixed(ReadOnlySpan<float> values, double factor, Span<long> sums)
    {
        var scale = new Vector<double>(factor * (1L << FractionBits));
        var limit = new Vector<double>(1L << 50);
        ReadOnlySpan<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        Span<Vector<long>> longs = MemoryMarshal.Cast<long, Vector<long>>(sums);
        int v = 0;
        for (; v < vectors.Length; v++)
        {
            Vector.Widen(vectors[v], out Vector<double> low, out Vector<double> high);
            low = Vector.Round(low * scale);
            high = Vector.Round(high * scale);
            if (!Vector.LessThanAll(Vector.Abs(low), limit) || !Vector.LessThanAll(Vector.Abs(high), limit))
            {
                break; // the scalar loop below reaches the value out of range and names it
            }

            longs[2 * v] += Vector.ConvertToInt64(low);
            longs[(2 * v) + 1] += Vector.ConvertToInt64(high);
        }

        for (int i = v * Vector<float>.Count; i < values.Length; i++)
        {
            sums[i] += ToFixed(values[i] * factor);
        }
    }

    /// <summary>Rounds <paramref name="value"/> to fixed point with <see cref="FractionBits"/> fraction bits.</summary>
    private static long ToFixed(double value)
    {
        double scaled = Math.Round(value * (1L << FractionBits));
        if (!(Math.Abs(scaled) < (double)(1L << 50)))
        {
            throw new InvalidOperationException(string.Create(
                CultureInfo.InvariantCulture,
                $"A block's gradient × denominator is {value}; the deterministic reduction holds magnitudes below {MaxDeterministicMagnitude} (use smaller blocks or the default mode)."));
        }

        return (long)scaled;
    }

    /// <summary>
    /// Checks that every replica holds the same weights, bit for bit (collective): a cheap guard against a rank that
    /// drifted (a different optimizer setting, a non-deterministic reduction). Throws on every rank when they differ.
    /// </summary>
    /// <exception cref="InvalidOperationException">Some rank's weights differ from rank 0's.</exception>
    public void VerifyReplicas()
    {
        ulong hash = Fingerprint(_model.Parameters.Values);
        Span<byte> root = stackalloc byte[sizeof(ulong)];
        BitConverter.TryWriteBytes(root, hash);
        _communicator.Broadcast(root, 0);
        Span<float> mismatches = [BitConverter.ToUInt64(root) == hash ? 0f : 1f];
        _communicator.AllReduceSum(mismatches);
        if (mismatches[0] != 0)
        {
            throw new InvalidOperationException(string.Create(
                CultureInfo.InvariantCulture,
                $"The model replicas diverged: {mismatches[0]} of {_communicator.Size} ranks hold weights that differ from rank 0's (this rank {_communicator.Rank}: fingerprint {hash:x16})."));
        }
    }

    /// <summary>A 64-bit hash (FNV-1a) of the bits of <paramref name="values"/>: equal weights give equal fingerprints.</summary>
    /// <param name="values">E.g. a model's parameter values.</param>
    /// <returns>The hash.</returns>
    public static ulong Fingerprint(ReadOnlySpan<float> values)
    {
        ulong hash = 14695981039346656037UL;
        foreach (float value in values)
        {
            hash = (hash ^ BitConverter.SingleToUInt32Bits(value)) * 1099511628211UL;
        }

        return hash;
    }
}
