using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace StaticGrad.Checkpoints;

/// <summary>
/// Everything needed to continue a training run bit for bit: the parameters, the optimizer's state
/// (step count, learning rate, hyperparameters, momentum or moment buffers) and the progress (epoch
/// and step counters, the data-shuffling generator's state, the batch size and sample count).
/// Stored as one safetensors file that is also a PyTorch-loadable weights file.
/// </summary>
/// <remarks>
/// <para>The file (see docs/checkpoints.md):</para>
/// <list type="bullet">
/// <item>the parameters under their <c>state_dict</c> names (<c>fc1.weight</c>, ...), F32;</item>
/// <item>the model's buffers under their <c>state_dict</c> names (<c>bn1.running_mean</c> F32,
/// <c>bn1.num_batches_tracked</c> I64), listed in the metadata entry <c>training.buffers</c>;</item>
/// <item>one F32 tensor per optimizer buffer and parameter, <c>optimizer.{parameter}.{buffer}</c>
/// with the parameter's shape (<c>optimizer.fc1.weight.exp_avg</c>), PyTorch's buffer names, and one 0-dim F32 tensor
/// per per-tensor scalar and parameter (<c>optimizer.fc1.weight.mu_product</c>, NAdam's:
/// <see cref="OptimizerState.TensorScalars"/>);</item>
/// <item><c>__metadata__</c>: <c>format</c> = <c>pt</c>, <c>staticgrad.kind</c> =
/// <c>training-checkpoint</c>, <c>staticgrad.version</c> = <c>1</c>, <c>training.epoch</c>,
/// <c>training.step</c>, <c>training.batch_size</c>, <c>training.samples</c>,
/// <c>training.shuffle_state</c> (four hexadecimal 32-bit words), <c>optimizer</c> (the algorithm),
/// <c>optimizer.step</c>, <c>optimizer.lr</c>, <c>optimizer.{setting}</c>, <c>optimizer.tensor_steps</c> (the steps
/// each parameter tensor's optimizer state has taken, comma-separated in tensor order, only when a tensor was frozen
/// during some: <see cref="OptimizerState.TensorSteps"/>), and the caller's own entries.</item>
/// </list>
/// <para>
/// <see cref="Load"/> validates the file's structure and metadata; <see cref="Restore"/> validates it
/// against a model and an optimizer before changing either, so a failed restore changes nothing.
/// Every problem with the file is an <see cref="InvalidDataException"/> naming the file, the tensor or
/// key, and the problem.
/// </para>
/// </remarks>
public sealed class TrainingCheckpoint
{
    /// <summary>The metadata key that marks the file's kind.</summary>
    public const string KindKey = "staticgrad.kind";

    /// <summary>The <see cref="KindKey"/> value of a training checkpoint.</summary>
    public const string KindValue = "training-checkpoint";

    /// <summary>The metadata key of the file layout version.</summary>
    public const string VersionKey = "staticgrad.version";

    /// <summary>The layout version this code writes and reads.</summary>
    public const int Version = 1;

    /// <summary>The prefix of the optimizer buffer tensors' names.</summary>
    public const string OptimizerPrefix = "optimizer.";

    private const string EpochKey = "training.epoch";
    private const string StepKey = "training.step";
    private const string BatchSizeKey = "training.batch_size";
    private const string SamplesKey = "training.samples";
    private const string ShuffleStateKey = "training.shuffle_state";
    private const string OptimizerKey = "optimizer";
    private const string OptimizerStepKey = "optimizer.step";
    private const string OptimizerLearningRateKey = "optimizer.lr";
    private const string OptimizerTensorStepsKey = "optimizer.tensor_steps";

    private readonly string[] _names;
    private readonly int[][] _shapes;
    private readonly int[] _offsets;
    private readonly float[] _values;
    private readonly Dictionary<string, string> _metadata;
    private readonly BufferSnapshot _buffers;

    private TrainingCheckpoint(string source, string[] names, int[][] shapes, float[] values, BufferSnapshot buffers, OptimizerState optimizer, TrainingProgress progress, Dictionary<string, string> metadata)
    {
        Source = source;
        _buffers = buffers;
        _names = names;
        _shapes = shapes;
        _values = values;
        _offsets = new int[names.Length];
        int offset = 0;
        for (int i = 0; i < names.Length; i++)
        {
            _offsets[i] = offset;
            offset += Shapes.Length(shapes[i]);
        }

        Optimizer = optimizer;
        Progress = progress;
        _metadata = metadata;
    }

    /// <summary>Where the checkpoint came from (a path, a stream name, or "captured checkpoint"); used in error messages.</summary>
    public string Source { get; }

    /// <summary>The counters and the data order state.</summary>
    public TrainingProgress Progress { get; }

    /// <summary>The optimizer's state; its buffers follow the order of <see cref="ParameterNames"/>.</summary>
    public OptimizerState Optimizer { get; }

    /// <summary>The parameter tensors' names, in the checkpoint's order.</summary>
    public IReadOnlyList<string> ParameterNames => _names;

    /// <summary>The caller's metadata entries (the reserved <c>format</c>, <c>staticgrad.*</c>, <c>training.*</c> and <c>optimizer*</c> keys excluded).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _metadata;

    /// <summary>Copies the current state of a run.</summary>
    /// <param name="parameters">The model's parameters.</param>
    /// <param name="optimizer">The optimizer over <paramref name="parameters"/>.</param>
    /// <param name="progress">The counters and data order state.</param>
    /// <param name="metadata">Extra entries to store (e.g. the model's name); keys must not be reserved.</param>
    /// <returns>The snapshot.</returns>
    /// <exception cref="ArgumentException">A metadata key is reserved, or the optimizer is over other parameters than <paramref name="parameters"/>.</exception>
    public static TrainingCheckpoint Capture(ParameterSet parameters, IStatefulOptimizer optimizer, TrainingProgress progress, IEnumerable<KeyValuePair<string, string>>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(progress);
        OptimizerOwnership.ThrowIfNotOver(optimizer, parameters, "the parameters captured", nameof(optimizer));
        var extra = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata is not null)
        {
            foreach (KeyValuePair<string, string> pair in metadata)
            {
                ArgumentException.ThrowIfNullOrEmpty(pair.Key, nameof(metadata));
                ArgumentNullException.ThrowIfNull(pair.Value, nameof(metadata));
                SafeTensorsWriter.CheckMetadataText(pair.Key, pair.Value, nameof(metadata), nameof(metadata));
                if (IsReserved(pair.Key))
                {
                    throw new ArgumentException($"Metadata key '{pair.Key}' is reserved (format, staticgrad.*, training.*, optimizer*).", nameof(metadata));
                }

                if (!extra.TryAdd(pair.Key, pair.Value))
                {
                    throw new ArgumentException($"Metadata key '{pair.Key}' appears twice.", nameof(metadata));
                }
            }
        }

        OptimizerState state = optimizer.ExportState();
        foreach (KeyValuePair<string, float[]> buffer in state.Buffers)
        {
            if (buffer.Value.Length != parameters.Count)
            {
                throw new ArgumentException($"The optimizer's '{buffer.Key}' buffer holds {buffer.Value.Length} values but the parameters hold {parameters.Count}; is it an optimizer over other parameters?", nameof(optimizer));
            }
        }

        if (state.TensorSteps is { } tensorSteps && tensorSteps.Count != parameters.Tensors.Count)
        {
            throw new ArgumentException($"The optimizer counts the steps of {tensorSteps.Count} tensors but the parameters have {parameters.Tensors.Count}; is it an optimizer over other parameters?", nameof(optimizer));
        }

        foreach (KeyValuePair<string, float[]> scalar in state.TensorScalars)
        {
            if (scalar.Value.Length != parameters.Tensors.Count)
            {
                throw new ArgumentException($"The optimizer's '{scalar.Key}' holds {scalar.Value.Length} values but the parameters have {parameters.Tensors.Count} tensors; is it an optimizer over other parameters?", nameof(optimizer));
            }
        }

        int count = parameters.Tensors.Count;
        string[] names = new string[count];
        int[][] shapes = new int[count][];
        for (int i = 0; i < count; i++)
        {
            names[i] = parameters.Tensors[i].Name;
            shapes[i] = ModelWeights.ToArray(parameters.Tensors[i].Shape);
        }

        return new TrainingCheckpoint("captured checkpoint", names, shapes, parameters.Values.ToArray(), BufferSnapshot.Capture(parameters), state, progress, extra);
    }

    /// <summary>Reads and validates a training checkpoint file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxHeaderLength">The largest header length accepted.</param>
    /// <returns>The checkpoint, not yet applied to anything.</returns>
    /// <exception cref="InvalidDataException">The file is malformed or not a training checkpoint (the message says why).</exception>
    /// <exception cref="IOException">The file cannot be read (<see cref="FileNotFoundException"/> if it does not exist).</exception>
    public static TrainingCheckpoint Load(string path, long maxHeaderLength = SafeTensorsReader.DefaultMaxHeaderLength)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using SafeTensorsReader reader = SafeTensorsReader.Open(path, maxHeaderLength);
        return Read(reader);
    }

    /// <summary>Reads and validates a training checkpoint from a stream.</summary>
    /// <param name="stream">A readable, seekable stream holding the file from position 0 (left open).</param>
    /// <param name="sourceName">The name error messages use for the stream.</param>
    /// <param name="maxHeaderLength">The largest header length accepted.</param>
    /// <returns>The checkpoint, not yet applied to anything.</returns>
    /// <exception cref="InvalidDataException">The stream does not hold a well-formed training checkpoint.</exception>
    public static TrainingCheckpoint Read(Stream stream, string sourceName, long maxHeaderLength = SafeTensorsReader.DefaultMaxHeaderLength)
    {
        using var reader = new SafeTensorsReader(stream, sourceName, leaveOpen: true, maxHeaderLength);
        return Read(reader);
    }

    /// <summary>Writes the checkpoint to <paramref name="path"/> atomically: the previous file survives any failure.</summary>
    /// <param name="path">The destination, conventionally <c>*.safetensors</c>.</param>
    /// <exception cref="IOException">Writing failed; the previous file at <paramref name="path"/> is intact.</exception>
    public void Save(string path) => CreateWriter().Save(path);

    /// <summary>Writes the checkpoint file to <paramref name="stream"/>.</summary>
    /// <param name="stream">A writable stream.</param>
    public void WriteTo(Stream stream) => CreateWriter().WriteTo(stream);

    /// <summary>The values of one parameter tensor.</summary>
    /// <param name="name">A name of <see cref="ParameterNames"/>.</param>
    /// <returns>The values, row-major.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="KeyNotFoundException">The checkpoint has no such tensor.</exception>
    public ReadOnlySpan<float> ValuesOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        int i = IndexOf(name);
        return i >= 0 ? _values.AsSpan(_offsets[i], Shapes.Length(_shapes[i])) : throw new KeyNotFoundException($"{Source}: no parameter tensor '{name}'.");
    }

    /// <summary>The shape of one parameter tensor.</summary>
    /// <param name="name">A name of <see cref="ParameterNames"/>.</param>
    /// <returns>The dimensions, outermost first.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="KeyNotFoundException">The checkpoint has no such tensor.</exception>
    public IReadOnlyList<int> ShapeOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        int i = IndexOf(name);
        return i >= 0 ? _shapes[i] : throw new KeyNotFoundException($"{Source}: no parameter tensor '{name}'.");
    }

    /// <summary>
    /// Restores the parameters and the optimizer state. Everything is checked first (the same
    /// parameter names and shapes, the optimizer's algorithm, hyperparameters and buffers); on any
    /// mismatch neither the parameters nor the optimizer change. The caller restores the data order
    /// from <see cref="Progress"/>.
    /// </summary>
    /// <param name="parameters">The model's parameters.</param>
    /// <param name="optimizer">An optimizer over <paramref name="parameters"/> with the checkpoint's algorithm and hyperparameters (<see cref="OptimizerState.CreateOptimizer"/> makes one).</param>
    /// <exception cref="ArgumentException">The optimizer is over other parameters than <paramref name="parameters"/>.</exception>
    /// <exception cref="InvalidDataException">The checkpoint does not fit the model or the optimizer (the message says which tensor or setting).</exception>
    public void Restore(ParameterSet parameters, IStatefulOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(optimizer);
        OptimizerOwnership.ThrowIfNotOver(optimizer, parameters, "the parameters restored", nameof(optimizer));
        IReadOnlyList<ParameterTensor> tensors = parameters.Tensors;
        var missing = new List<string>();
        var sourceIndex = new int[tensors.Count];
        bool sameOrder = tensors.Count == _names.Length;
        for (int i = 0; i < tensors.Count; i++)
        {
            ParameterTensor tensor = tensors[i];
            int j = IndexOf(tensor.Name);
            sourceIndex[i] = j;
            if (j < 0)
            {
                missing.Add(tensor.Name);
                continue;
            }

            if (!Shapes.Equal(_shapes[j], tensor.Shape))
            {
                throw new InvalidDataException(
                    $"{Source}: tensor '{tensor.Name}' has shape {SafeTensorInfo.FormatShape(_shapes[j])} in the checkpoint but the model expects {SafeTensorInfo.FormatShape(tensor.Shape)}.");
            }

            sameOrder &= j == i;
        }

        var unexpected = new List<string>();
        foreach (string name in _names)
        {
            if (!Contains(tensors, name))
            {
                unexpected.Add(name);
            }
        }

        if (missing.Count > 0 || unexpected.Count > 0)
        {
            var parts = new List<string>(2);
            if (missing.Count > 0)
            {
                parts.Add($"missing tensor(s) {SafeTensorsReader.ShownList(missing)}");
            }

            if (unexpected.Count > 0)
            {
                parts.Add($"unexpected tensor(s) {SafeTensorsReader.ShownList(unexpected)}");
            }

            string problems = string.Join("; ", parts);
            throw new InvalidDataException($"{Source}: the checkpoint does not fit the model: {problems}. The model's tensors: {string.Join(", ", tensors)}.");
        }

        _buffers.CheckFits(parameters, Source);

        // Lay the optimizer buffers out in the model's order (usually already the case).
        OptimizerState state = Optimizer;
        float[] values = _values;
        if (!sameOrder)
        {
            values = Reorder(_values, tensors, sourceIndex);
            var buffers = new List<KeyValuePair<string, float[]>>(state.Buffers.Count);
            foreach (KeyValuePair<string, float[]> buffer in state.Buffers)
            {
                buffers.Add(new(buffer.Key, Reorder(buffer.Value, tensors, sourceIndex)));
            }

            long[]? tensorSteps = state.TensorSteps is { } steps ? Array.ConvertAll(sourceIndex, j => steps[j]) : null;
            var scalars = new List<KeyValuePair<string, float[]>>(state.TensorScalars.Count);
            foreach (KeyValuePair<string, float[]> scalar in state.TensorScalars)
            {
                scalars.Add(new(scalar.Key, Array.ConvertAll(sourceIndex, j => scalar.Value[j])));
            }

            state = new OptimizerState(state.Algorithm, state.StepCount, state.LearningRate, state.Settings, buffers, tensorSteps, scalars);
        }

        try
        {
            optimizer.ImportState(state);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{Source}: the checkpoint does not fit the optimizer: {e.Message}", e);
        }

        values.AsSpan().CopyTo(parameters.Values);
        _buffers.CopyTo(parameters);
    }

    private SafeTensorsWriter CreateWriter()
    {
        var writer = new SafeTensorsWriter();
        writer.AddMetadata(SafeTensorsReader.FormatKey, "pt");
        writer.AddMetadata(KindKey, KindValue);
        writer.AddMetadata(VersionKey, Version.ToString(CultureInfo.InvariantCulture));
        writer.AddMetadata(EpochKey, Progress.EpochsCompleted.ToString(CultureInfo.InvariantCulture));
        writer.AddMetadata(StepKey, Progress.StepsCompleted.ToString(CultureInfo.InvariantCulture));
        writer.AddMetadata(BatchSizeKey, Progress.BatchSize.ToString(CultureInfo.InvariantCulture));
        writer.AddMetadata(SamplesKey, Progress.SampleCount.ToString(CultureInfo.InvariantCulture));
        writer.AddMetadata(ShuffleStateKey, GeneratorStateText.Format(Progress.ShuffleState));
        writer.AddMetadata(OptimizerKey, Optimizer.Algorithm);
        writer.AddMetadata(OptimizerStepKey, Optimizer.StepCount.ToString(CultureInfo.InvariantCulture));
        writer.AddMetadata(OptimizerLearningRateKey, OptimizerState.Format(Optimizer.LearningRate));
        if (Optimizer.TensorSteps is { } tensorSteps)
        {
            writer.AddMetadata(OptimizerTensorStepsKey, string.Join(",", tensorSteps.Select(t => t.ToString(CultureInfo.InvariantCulture))));
        }

        foreach (KeyValuePair<string, string> setting in Optimizer.Settings)
        {
            writer.AddMetadata(OptimizerPrefix + setting.Key, setting.Value);
        }

        foreach (KeyValuePair<string, string> pair in _metadata)
        {
            writer.AddMetadata(pair.Key, pair.Value);
        }

        for (int i = 0; i < _names.Length; i++)
        {
            writer.Add(_names[i], _values.AsSpan(_offsets[i], Shapes.Length(_shapes[i])), _shapes[i]);
        }

        _buffers.AddTo(writer);

        for (int i = 0; i < _names.Length; i++)
        {
            foreach (KeyValuePair<string, float[]> buffer in Optimizer.Buffers)
            {
                writer.Add($"{OptimizerPrefix}{_names[i]}.{buffer.Key}", buffer.Value.AsSpan(_offsets[i], Shapes.Length(_shapes[i])), _shapes[i]);
            }

            foreach (KeyValuePair<string, float[]> scalar in Optimizer.TensorScalars)
            {
                writer.Add($"{OptimizerPrefix}{_names[i]}.{scalar.Key}", scalar.Value.AsSpan(i, 1), []);
            }
        }

        return writer;
    }

    private static TrainingCheckpoint Read(SafeTensorsReader reader)
    {
        string source = reader.Source;
        IReadOnlyDictionary<string, string> metadata = reader.Metadata;
        if (!metadata.TryGetValue(KindKey, out string? kind) || kind != KindValue)
        {
            string found = kind is null ? "has no 'staticgrad.kind' metadata" : $"is a '{Shorten(kind)}'";
            throw new InvalidDataException($"{source}: not a training checkpoint: the file {found} (a weights file loads with ModelWeights.Load, or the eval and predict commands).");
        }

        string version = Required(reader, VersionKey);
        if (version != Version.ToString(CultureInfo.InvariantCulture))
        {
            throw new InvalidDataException($"{source}: training checkpoint version '{Shorten(version)}' is not supported; this StaticGrad reads version {Version}.");
        }

        if (metadata.TryGetValue(SafeTensorsReader.FormatKey, out string? format) && format != "pt")
        {
            throw new InvalidDataException($"{source}: the metadata says format '{Shorten(format)}'; a training checkpoint is always 'pt'.");
        }

        int epoch = (int)ParseInteger(reader, EpochKey, 0, int.MaxValue);
        long step = ParseInteger(reader, StepKey, 0, long.MaxValue);
        int batchSize = (int)ParseInteger(reader, BatchSizeKey, 1, int.MaxValue);
        int samples = (int)ParseInteger(reader, SamplesKey, 1, int.MaxValue);
        (uint, uint, uint, uint) shuffle = ParseShuffleState(reader);
        string algorithm = Required(reader, OptimizerKey);
        if (algorithm.Length == 0)
        {
            throw new InvalidDataException($"{source}: metadata '{OptimizerKey}' is empty; expected the optimizer's algorithm (sgd, adam, adamw, rmsprop, adagrad, adadelta, adamax, nadam, radam).");
        }

        long optimizerStep = ParseInteger(reader, OptimizerStepKey, 0, long.MaxValue);
        string lrText = Required(reader, OptimizerLearningRateKey);
        if (OptimizerState.TryParseFloat(lrText) is not float learningRate || !float.IsFinite(learningRate) || learningRate < 0)
        {
            throw new InvalidDataException($"{source}: metadata '{OptimizerLearningRateKey}' is '{Shorten(lrText)}'; expected a finite number >= 0.");
        }

        var settings = new List<KeyValuePair<string, string>>();
        var extra = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, string> pair in metadata)
        {
            if (pair.Key.StartsWith(OptimizerPrefix, StringComparison.Ordinal) && pair.Key is not OptimizerStepKey and not OptimizerLearningRateKey and not OptimizerTensorStepsKey)
            {
                string setting = pair.Key[OptimizerPrefix.Length..];
                if (setting.Length == 0)
                {
                    throw new InvalidDataException($"{source}: metadata key 'optimizer.' names no setting.");
                }

                settings.Add(new(setting, pair.Value));
            }
            else if (!IsReserved(pair.Key))
            {
                extra.Add(pair.Key, pair.Value);
            }
        }

        settings.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));

        // Parameters (everything outside "optimizer.") in data order, then the buffers.
        var names = new List<string>();
        var indexOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var shapes = new List<int[]>();
        var parameterInfos = new List<SafeTensorInfo>();
        HashSet<string> modelBuffers = BufferSnapshot.NamesIn(reader);
        long total = 0;
        foreach (SafeTensorInfo info in reader.Tensors)
        {
            if (info.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal) || modelBuffers.Contains(info.Name))
            {
                continue;
            }

            CheckF32(source, info);
            int[] shape = ToIntShape(source, info);
            total += info.ElementCount;
            if (total > Array.MaxLength)
            {
                throw new InvalidDataException($"{source}: the parameters hold more than {Array.MaxLength} values in all.");
            }

            indexOf.Add(info.Name, names.Count);
            names.Add(info.Name);
            shapes.Add(shape);
            parameterInfos.Add(info);
        }

        if (names.Count == 0)
        {
            throw new InvalidDataException($"{source}: the checkpoint holds no parameter tensor.");
        }

        var bufferNames = new List<string>();
        var knownBuffers = new HashSet<string>(StringComparer.Ordinal);
        var bufferTensors = new Dictionary<(string Buffer, string Parameter), SafeTensorInfo>();
        foreach (SafeTensorInfo info in reader.Tensors)
        {
            if (!info.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            CheckF32(source, info);
            int dot = info.Name.LastIndexOf('.');
            string parameter = dot > OptimizerPrefix.Length ? info.Name[OptimizerPrefix.Length..dot] : string.Empty;
            string buffer = info.Name[(dot + 1)..];
            if (buffer.Length == 0 || !indexOf.TryGetValue(parameter, out int index))
            {
                throw new InvalidDataException($"{source}: optimizer tensor '{Shorten(info.Name)}' does not name a parameter of the checkpoint (expected 'optimizer.{{parameter}}.{{buffer}}').");
            }

            if (buffer == OptimizerState.MuProductScalar)
            {
                // A per-tensor scalar (PyTorch's 0-dim state tensor), not a buffer in the parameter's shape.
                if (!info.HasShape([]))
                {
                    throw new InvalidDataException(
                        $"{source}: optimizer tensor '{Shorten(info.Name)}' has shape {SafeTensorInfo.FormatShape(info.Shape)}; expected [] (one value per parameter tensor).");
                }
            }
            else if (!info.HasShape(shapes[index]))
            {
                throw new InvalidDataException(
                    $"{source}: optimizer tensor '{Shorten(info.Name)}' has shape {SafeTensorInfo.FormatShape(info.Shape)} but parameter '{Shorten(parameter)}' has {SafeTensorInfo.FormatShape(shapes[index])}.");
            }

            if (knownBuffers.Add(buffer))
            {
                bufferNames.Add(buffer);
            }

            bufferTensors.Add((buffer, parameter), info);
        }

        foreach (string buffer in bufferNames)
        {
            foreach (string parameter in names)
            {
                if (!bufferTensors.ContainsKey((buffer, parameter)))
                {
                    throw new InvalidDataException($"{source}: optimizer buffer '{Shorten(buffer)}' has no tensor for parameter '{Shorten(parameter)}' (expected 'optimizer.{Shorten(parameter)}.{Shorten(buffer)}').");
                }
            }
        }

        // Everything is consistent: read the values.
        float[] values = new float[total];
        int offset = 0;
        foreach (SafeTensorInfo info in parameterInfos)
        {
            reader.ReadSingles(info, values.AsSpan(offset, (int)info.ElementCount));
            offset += (int)info.ElementCount;
        }

        var buffers = new List<KeyValuePair<string, float[]>>(bufferNames.Count);
        var scalars = new List<KeyValuePair<string, float[]>>();
        foreach (string buffer in bufferNames)
        {
            if (buffer == OptimizerState.MuProductScalar)
            {
                float[] perTensor = new float[names.Count];
                for (int i = 0; i < names.Count; i++)
                {
                    reader.ReadSingles(bufferTensors[(buffer, names[i])], perTensor.AsSpan(i, 1));
                }

                scalars.Add(new(buffer, perTensor));
                continue;
            }

            float[] flat = new float[total];
            offset = 0;
            bool nonNegative = OptimizerState.IsNonNegativeBuffer(algorithm, buffer);
            for (int i = 0; i < names.Count; i++)
            {
                int length = (int)parameterInfos[i].ElementCount;
                Span<float> tensor = flat.AsSpan(offset, length);
                reader.ReadSingles(bufferTensors[(buffer, names[i])], tensor);
                if (nonNegative && tensor.IndexOfAnyInRange(float.NegativeInfinity, -float.Epsilon) is int negative and >= 0)
                {
                    // A sum of squares or of magnitudes: a negative one can only be damage, and its square root is NaN.
                    throw new InvalidDataException(
                        $"{source}: optimizer tensor 'optimizer.{Shorten(names[i])}.{Shorten(buffer)}' holds {tensor[negative].ToString("R", CultureInfo.InvariantCulture)} at element {negative}; '{Shorten(buffer)}' is never negative.");
                }

                offset += length;
            }

            buffers.Add(new(buffer, flat));
        }

        long[]? tensorSteps = ParseTensorSteps(reader, names.Count);
        TrainingProgress progress;
        OptimizerState optimizer;
        try
        {
            progress = new TrainingProgress(epoch, step, shuffle, batchSize, samples);
            optimizer = new OptimizerState(algorithm, optimizerStep, learningRate, settings, buffers, tensorSteps, scalars);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }

        try
        {
            optimizer.CheckSettings();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }

        return new TrainingCheckpoint(source, names.ToArray(), shapes.ToArray(), values, BufferSnapshot.Read(reader, modelBuffers), optimizer, progress, extra);
    }

    private static bool IsReserved(string key) =>
        key == SafeTensorsReader.FormatKey
        || key == OptimizerKey
        || key.StartsWith("staticgrad.", StringComparison.Ordinal)
        || key.StartsWith("training.", StringComparison.Ordinal)
        || key.StartsWith(OptimizerPrefix, StringComparison.Ordinal);

    private static string Required(SafeTensorsReader reader, string key)
        => reader.Metadata.TryGetValue(key, out string? value)
            ? value
            : throw new InvalidDataException($"{reader.Source}: the training checkpoint has no '{key}' metadata.");

    private static long ParseInteger(SafeTensorsReader reader, string key, long min, long max)
    {
        string text = Required(reader, key);
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
        {
            throw new InvalidDataException($"{reader.Source}: metadata '{key}' is '{Shorten(text)}'; expected an integer in [{min}, {max}].");
        }

        return value;
    }

    /// <summary>The per-tensor step counts, one per parameter tensor, or null when the file has none (every tensor took every step).</summary>
    private static long[]? ParseTensorSteps(SafeTensorsReader reader, int tensors)
    {
        if (!reader.Metadata.TryGetValue(OptimizerTensorStepsKey, out string? text))
        {
            return null;
        }

        string[] parts = text.Split(',');
        long[] steps = new long[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out steps[i]))
            {
                throw new InvalidDataException($"{reader.Source}: metadata '{OptimizerTensorStepsKey}' is '{Shorten(text)}'; expected {tensors} comma-separated integers >= 0.");
            }
        }

        if (steps.Length != tensors)
        {
            throw new InvalidDataException($"{reader.Source}: metadata '{OptimizerTensorStepsKey}' holds {steps.Length} counts; the checkpoint has {tensors} parameter tensors.");
        }

        return steps;
    }

    private static (uint, uint, uint, uint) ParseShuffleState(SafeTensorsReader reader)
    {
        string text = Required(reader, ShuffleStateKey);
        return GeneratorStateText.TryParse(text, out (uint, uint, uint, uint) state)
            ? state
            : throw new InvalidDataException($"{reader.Source}: metadata '{ShuffleStateKey}' is '{Shorten(text)}'; expected four 8-digit hexadecimal words, not all zero.");
    }

    private static void CheckF32(string source, SafeTensorInfo info)
    {
        if (info.DType != "F32")
        {
            throw new InvalidDataException($"{source}: tensor '{Shorten(info.Name)}' has dtype {info.DType}; a training checkpoint holds only F32 tensors.");
        }
    }

    private static int[] ToIntShape(string source, SafeTensorInfo info)
    {
        int[] shape = new int[info.Shape.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            long dimension = info.Shape[i];
            if (dimension <= 0 || dimension > int.MaxValue)
            {
                throw new InvalidDataException($"{source}: parameter tensor '{Shorten(info.Name)}' has shape {SafeTensorInfo.FormatShape(info.Shape)}; every dimension must be in [1, {int.MaxValue}].");
            }

            shape[i] = (int)dimension;
        }

        return shape;
    }

    private float[] Reorder(float[] source, IReadOnlyList<ParameterTensor> tensors, int[] sourceIndex)
    {
        float[] result = new float[source.Length];
        for (int i = 0; i < tensors.Count; i++)
        {
            int j = sourceIndex[i];
            source.AsSpan(_offsets[j], Shapes.Length(_shapes[j])).CopyTo(result.AsSpan(tensors[i].Offset, tensors[i].Length));
        }

        return result;
    }

    private int IndexOf(string name) => Array.IndexOf(_names, name);

    private static bool Contains(IReadOnlyList<ParameterTensor> tensors, string name)
    {
        foreach (ParameterTensor tensor in tensors)
        {
            if (string.Equals(tensor.Name, name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static string Shorten(string text) => SafeTensorsReader.Shown(text, 64);
}
