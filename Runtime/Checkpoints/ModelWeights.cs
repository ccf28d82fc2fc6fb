using System;
using System.Collections.Generic;
using System.IO;

namespace StaticGrad.Checkpoints;

/// <summary>
/// Saves and loads a model's parameters as safetensors, with PyTorch's <c>state_dict</c> names and
/// layouts (<c>fc1.weight</c> as <c>[out, in]</c> F32, <c>fc1.bias</c> as <c>[out]</c>, a batch norm's
/// <c>running_mean</c> F32 and <c>num_batches_tracked</c> I64), so a PyTorch
/// model of the same architecture loads the file with <c>load_state_dict</c> and the other way round.
/// </summary>
/// <remarks>
/// Loading validates everything before touching the parameters: the file's structure (see
/// <see cref="SafeTensorsReader"/>), then every tensor against the model (dtype <c>F32</c>, the exact
/// shape, no missing tensor unless <see cref="WeightsLoadOptions.AllowMissing"/> (a batch norm's <c>num_batches_tracked</c>
/// may be missing: it is then 0, as PyTorch's <c>load_state_dict</c> sets it for a state_dict without version metadata), no unexpected one
/// unless <see cref="WeightsLoadOptions.AllowUnexpected"/>; keys renamed first by <see cref="WeightsLoadOptions.StripPrefix"/>,
/// <see cref="WeightsLoadOptions.AddPrefix"/> and <see cref="WeightsLoadOptions.KeyMap"/>; <c>F16</c>, <c>BF16</c> and
/// <c>F64</c> converted to <c>F32</c> unless <see cref="WeightsLoadOptions.ConvertFloatTypes"/> is off), then reads the values into a staging
/// buffer, and only then copies them into the model. A failed load leaves the model unchanged.
/// A training checkpoint (<see cref="TrainingCheckpoint"/>) is also a weights file: its optimizer
/// tensors are skipped.
/// </remarks>
public static class ModelWeights
{
    /// <summary>The name of a batch norm's step counter in a <c>state_dict</c> (after its member's prefix).</summary>
    private const string BatchCounterName = "num_batches_tracked";

    /// <summary>Writes the parameters to <paramref name="path"/> atomically (<see cref="AtomicFile"/>).</summary>
    /// <param name="parameters">The model's parameters (<c>model.Parameters</c>).</param>
    /// <param name="path">The destination, conventionally <c>*.safetensors</c>.</param>
    /// <param name="metadata">Extra <c>__metadata__</c> entries; <c>format</c> is always <c>pt</c> (PyTorch layout).</param>
    /// <param name="dtype">
    /// The stored float type: <see cref="FloatDType.F32"/> (exact, the default), or <see cref="FloatDType.F16"/> or
    /// <see cref="FloatDType.BF16"/> for half the size (rounded as PyTorch's <c>model.half()</c> and
    /// <c>model.bfloat16()</c>; batch counters stay <c>I64</c>). PyTorch loads either into a float32 model.
    /// </param>
    /// <exception cref="IOException">Writing failed; the previous file at <paramref name="path"/> is intact.</exception>
    /// <exception cref="ArgumentException">A value is beyond <paramref name="dtype"/>'s range (F16: ±65504), where it would be stored as infinity; nothing is written.</exception>
    public static void Save(ParameterSet parameters, string path, IEnumerable<KeyValuePair<string, string>>? metadata = null, FloatDType dtype = FloatDType.F32)
        => CreateWriter(parameters, metadata, dtype).Save(path);

    /// <summary>Writes the parameters as a safetensors file to <paramref name="stream"/>.</summary>
    /// <param name="parameters">The model's parameters.</param>
    /// <param name="stream">A writable stream.</param>
    /// <param name="metadata">Extra <c>__metadata__</c> entries; <c>format</c> is always <c>pt</c>.</param>
    /// <param name="dtype">The stored float type (see <see cref="Save(ParameterSet, string, IEnumerable{KeyValuePair{string, string}}?, FloatDType)"/>).</param>
    public static void Save(ParameterSet parameters, Stream stream, IEnumerable<KeyValuePair<string, string>>? metadata = null, FloatDType dtype = FloatDType.F32)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CreateWriter(parameters, metadata, dtype).WriteTo(stream);
    }

    /// <summary>Loads the parameters from a safetensors file.</summary>
    /// <param name="parameters">The model's parameters, overwritten only if the whole load succeeds.</param>
    /// <param name="path">The file.</param>
    /// <param name="options">What to tolerate; null for strict loading.</param>
    /// <returns>Which tensors were loaded, missing or skipped.</returns>
    /// <exception cref="ArgumentException"><paramref name="options"/> has a <see cref="WeightsLoadOptions.KeyMap"/> entry whose value is null or empty (checked first: nothing is read or changed).</exception>
    /// <exception cref="InvalidDataException">The file is malformed or does not fit the model (the message names the tensor and the problem); the parameters are unchanged.</exception>
    /// <exception cref="IOException">The file cannot be read (<see cref="FileNotFoundException"/> if it does not exist).</exception>
    public static WeightsLoadResult Load(ParameterSet parameters, string path, WeightsLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= WeightsLoadOptions.Strict;
        options.Validate(nameof(options));
        using SafeTensorsReader reader = SafeTensorsReader.Open(path, options.MaxHeaderLength);
        return Load(parameters, reader, options);
    }

    /// <summary>Loads the parameters from a safetensors stream.</summary>
    /// <param name="parameters">The model's parameters, overwritten only if the whole load succeeds.</param>
    /// <param name="stream">A readable, seekable stream holding the file from position 0 (left open).</param>
    /// <param name="sourceName">The name error messages use for the stream.</param>
    /// <param name="options">What to tolerate; null for strict loading.</param>
    /// <returns>Which tensors were loaded, missing or skipped.</returns>
    /// <exception cref="ArgumentException"><paramref name="options"/> has a <see cref="WeightsLoadOptions.KeyMap"/> entry whose value is null or empty (checked first: nothing is read or changed).</exception>
    /// <exception cref="InvalidDataException">The file is malformed or does not fit the model; the parameters are unchanged.</exception>
    public static WeightsLoadResult Load(ParameterSet parameters, Stream stream, string sourceName, WeightsLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        options ??= WeightsLoadOptions.Strict;
        options.Validate(nameof(options));
        using var reader = new SafeTensorsReader(stream, sourceName, leaveOpen: true, options.MaxHeaderLength);
        return Load(parameters, reader, options);
    }

    /// <summary>Loads the parameters from an open reader.</summary>
    /// <param name="parameters">The model's parameters, overwritten only if the whole load succeeds.</param>
    /// <param name="reader">The file.</param>
    /// <param name="options">What to tolerate; null for strict loading.</param>
    /// <returns>Which tensors were loaded, missing or skipped.</returns>
    /// <exception cref="ArgumentException"><paramref name="options"/> has a <see cref="WeightsLoadOptions.KeyMap"/> entry whose value is null or empty (checked first: nothing is read or changed).</exception>
    /// <exception cref="InvalidDataException">The file does not fit the model; the parameters are unchanged.</exception>
    public static WeightsLoadResult Load(ParameterSet parameters, SafeTensorsReader reader, WeightsLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(reader);
        options ??= WeightsLoadOptions.Strict;
        options.Validate(nameof(options));
        string source = reader.Source;

        if (reader.Metadata.TryGetValue(SafeTensorsReader.FormatKey, out string? format) && format != "pt")
        {
            throw new InvalidDataException(
                $"{source}: the metadata says format '{SafeTensorsReader.Shown(format)}'; only 'pt' (PyTorch's layout, e.g. Linear weights as [out, in]) can be loaded. Save the weights from PyTorch.");
        }

        bool isTrainingCheckpoint = reader.Metadata.TryGetValue(TrainingCheckpoint.KindKey, out string? kind) && kind == TrainingCheckpoint.KindValue;

        // 1. The file's keys as model names (after StripPrefix, AddPrefix, KeyMap); a training checkpoint's optimizer tensors are not weights.
        var byModelName = new Dictionary<string, SafeTensorInfo>(reader.Tensors.Count, StringComparer.Ordinal);
        foreach (SafeTensorInfo info in reader.Tensors)
        {
            if (isTrainingCheckpoint && info.Name.StartsWith(TrainingCheckpoint.OptimizerPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            string target = options.ModelNameOf(info.Name);
            if (!byModelName.TryAdd(target, info))
            {
                throw new InvalidDataException(
                    $"{source}: tensors '{SafeTensorsReader.Shown(byModelName[target].Name)}' and '{SafeTensorsReader.Shown(info.Name)}' both map to '{SafeTensorsReader.Shown(target)}' (WeightsLoadOptions.StripPrefix, AddPrefix and KeyMap); map each to its own name.");
            }
        }

        // 2. Match every model tensor and buffer with the file, checking dtype and shape.
        var matched = new List<(StateEntry Model, SafeTensorInfo File, int StagingOffset)>();
        var loaded = new List<string>();
        var missing = new List<string>();
        var zeroedCounters = new List<StateEntry>();
        var wrongShapes = new List<string>();
        var converted = new List<string>();
        var modelNames = new HashSet<string>(StringComparer.Ordinal);
        int stagedFloats = 0;
        int stagedCounters = 0;
        foreach (StateEntry entry in StateEntry.Of(parameters))
        {
            modelNames.Add(entry.Name);
            if (!byModelName.TryGetValue(entry.Name, out SafeTensorInfo? info))
            {
                // PyTorch's batch norm loads a state_dict without its num_batches_tracked (one without version metadata,
                // as every safetensors file is) with the counter at 0, strict=True included; so does this.
                if (entry.IsCounter && (entry.Name == BatchCounterName || entry.Name.EndsWith("." + BatchCounterName, StringComparison.Ordinal)))
                {
                    zeroedCounters.Add(entry);
                    continue;
                }

                missing.Add(entry.Name);
                continue;
            }

            string what = Described(info, entry.Name);
            if (info.DType != entry.DType)
            {
                if (entry.IsCounter)
                {
                    throw new InvalidDataException($"{source}: {what} has dtype {info.DType}; the model's '{entry.Name}' is I64 (PyTorch stores num_batches_tracked as torch.long).");
                }

                if (!options.ConvertFloatTypes || !FloatConversion.IsConvertible(info.DType))
                {
                    throw new InvalidDataException(options.ConvertFloatTypes || !FloatConversion.IsConvertible(info.DType)
                        ? $"{source}: {what} has dtype {info.DType}; the model's parameters are F32 and only F16, BF16 and F64 convert to it (in PyTorch, convert with model.float() before saving)."
                        : $"{source}: {what} has dtype {info.DType}; the model's parameters are F32 (WeightsLoadOptions.ConvertFloatTypes converts F16, BF16 and F64).");
                }

                converted.Add(entry.Name);
            }

            if (!info.HasShape(entry.Shape))
            {
                string hint = entry.Shape.Count == 2 && info.Shape.Count == 2 && info.Shape[0] == entry.Shape[1] && info.Shape[1] == entry.Shape[0]
                    ? " It is transposed: PyTorch's nn.Linear weight layout is [out, in]."
                    : string.Empty;
                wrongShapes.Add($"{what} has shape {SafeTensorInfo.FormatShape(info.Shape)} in the file but the model expects {SafeTensorInfo.FormatShape(entry.Shape)}.{hint}");
                continue;
            }

            ref int staged = ref entry.IsCounter ? ref stagedCounters : ref stagedFloats;
            matched.Add((entry, info, staged));
            loaded.Add(entry.Name);
            staged += entry.Length;
        }

        // 3. Tensors of the file the model does not have (by their names in the file).
        var unexpected = new List<string>();
        var unexpectedTargets = new List<string>();
        foreach ((string target, SafeTensorInfo info) in byModelName)
        {
            if (!modelNames.Contains(target))
            {
                unexpected.Add(info.Name);
                unexpectedTargets.Add(target);
            }
        }

        // Every shape that differs, then the missing and unexpected tensors, in one message (as PyTorch's load_state_dict).
        bool keysDiffer = (missing.Count > 0 && !options.AllowMissing) || (unexpected.Count > 0 && !options.AllowUnexpected);
        if (wrongShapes.Count > 0)
        {
            string keys = keysDiffer ? " Also, " + MismatchMessage(parameters, options, missing, unexpected, unexpectedTargets, modelNames) : string.Empty;
            throw new InvalidDataException($"{source}: {string.Join(" ", wrongShapes)}{keys}");
        }

        if (keysDiffer)
        {
            throw new InvalidDataException($"{source}: {MismatchMessage(parameters, options, missing, unexpected, unexpectedTargets, modelNames)}");
        }

        // 4. Read into staging; 5. only then commit.
        float[] floats = new float[stagedFloats];
        long[] counters = new long[stagedCounters];
        foreach ((StateEntry entry, SafeTensorInfo info, int offset) in matched)
        {
            if (entry.IsCounter)
            {
                reader.ReadInt64s(info, counters.AsSpan(offset, entry.Length));
            }
            else
            {
                reader.ReadAsSingles(info, floats.AsSpan(offset, entry.Length));
            }
        }

        foreach ((StateEntry entry, _, int offset) in matched)
        {
            if (entry.IsCounter)
            {
                counters.AsSpan(offset, entry.Length).CopyTo(entry.Counters(parameters));
            }
            else
            {
                floats.AsSpan(offset, entry.Length).CopyTo(entry.Floats(parameters));
            }
        }

        foreach (StateEntry entry in zeroedCounters)
        {
            entry.Counters(parameters).Clear();
        }

        return new WeightsLoadResult(loaded, missing, unexpected, converted, new Dictionary<string, string>(reader.Metadata, StringComparer.Ordinal));
    }

    /// <summary>A file tensor as messages name it: <c>tensor 'module.fc1.weight' (loaded as 'fc1.weight')</c> when remapped.</summary>
    private static string Described(SafeTensorInfo info, string target)
        => info.Name == target
            ? $"tensor '{SafeTensorsReader.Shown(info.Name)}'"
            : $"tensor '{SafeTensorsReader.Shown(info.Name)}' (loaded as '{SafeTensorsReader.Shown(target)}')";

    /// <summary>
    /// The message for missing or unexpected tensors: both lists, the model's tensors, and a remapping hint when the
    /// file's keys would match with a prefix stripped or added (<c>module.</c> from DataParallel).
    /// </summary>
    private static string MismatchMessage(
        ParameterSet parameters,
        WeightsLoadOptions options,
        List<string> missing,
        List<string> unexpected,
        List<string> unexpectedTargets,
        HashSet<string> modelNames)
    {
        var problems = new List<string>(2);
        if (missing.Count > 0 && !options.AllowMissing)
        {
            problems.Add($"missing tensor(s) {SafeTensorsReader.ShownList(missing)}");
        }

        if (unexpected.Count > 0 && !options.AllowUnexpected)
        {
            problems.Add(options.RemapsKeys
                ? $"unexpected tensor(s) {SafeTensorsReader.ShownList(unexpected)} (after remapping: {SafeTensorsReader.ShownList(unexpectedTargets)})"
                : $"unexpected tensor(s) {SafeTensorsReader.ShownList(unexpected)}");
        }

        string hint = string.Empty;
        if (unexpectedTargets.Count > 0 && missing.Count > 0)
        {
            int dot = unexpectedTargets[0].IndexOf('.', StringComparison.Ordinal);
            string prefix = dot > 0 ? unexpectedTargets[0][..(dot + 1)] : string.Empty;
            if (prefix.Length > 0 && unexpectedTargets.TrueForAll(t => t.StartsWith(prefix, StringComparison.Ordinal)) && missing.Exists(m => unexpectedTargets.Contains(prefix + m)))
            {
                hint = $" The file's keys carry the prefix '{SafeTensorsReader.Shown(prefix)}' (nn.DataParallel saves 'module.'): load with WeightsLoadOptions {{ StripPrefix = \"{SafeTensorsReader.Shown(prefix)}\" }}.";
            }
            else
            {
                dot = missing[0].IndexOf('.', StringComparison.Ordinal);
                prefix = dot > 0 ? missing[0][..(dot + 1)] : string.Empty;
                if (prefix.Length > 0 && missing.TrueForAll(m => m.StartsWith(prefix, StringComparison.Ordinal)) && unexpectedTargets.Exists(t => modelNames.Contains(prefix + t)))
                {
                    hint = $" The model's keys carry the prefix '{SafeTensorsReader.Shown(prefix)}' the file's lack: load with WeightsLoadOptions {{ AddPrefix = \"{SafeTensorsReader.Shown(prefix)}\" }}.";
                }
            }
        }

        return $"the file does not fit the model: {string.Join("; ", problems)}. The model's tensors: {string.Join(", ", StateEntry.Of(parameters))}.{hint} " +
            "(WeightsLoadOptions.AllowMissing / AllowUnexpected load what matches, like PyTorch's strict=False; StripPrefix, AddPrefix and KeyMap rename the file's keys.)";
    }

    /// <summary>A writer holding the parameters with their <c>state_dict</c> names and shapes, and <c>format: pt</c>.</summary>
    internal static SafeTensorsWriter CreateWriter(ParameterSet parameters, IEnumerable<KeyValuePair<string, string>>? metadata, FloatDType dtype = FloatDType.F32)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var writer = new SafeTensorsWriter();
        writer.AddMetadata(SafeTensorsReader.FormatKey, "pt");
        if (metadata is not null)
        {
            foreach (KeyValuePair<string, string> pair in metadata)
            {
                if (pair.Key == SafeTensorsReader.FormatKey)
                {
                    throw new ArgumentException($"Metadata key '{SafeTensorsReader.FormatKey}' is reserved (it is always 'pt').", nameof(metadata));
                }

                ArgumentException.ThrowIfNullOrEmpty(pair.Key, nameof(metadata));
                ArgumentNullException.ThrowIfNull(pair.Value, nameof(metadata));
                SafeTensorsWriter.CheckMetadataText(pair.Key, pair.Value, nameof(metadata), nameof(metadata));

                writer.AddMetadata(pair.Key, pair.Value);
            }
        }

        AddParameters(writer, parameters, dtype);
        return writer;
    }

    /// <summary>Adds every parameter tensor and buffer under its <c>state_dict</c> name.</summary>
    internal static void AddParameters(SafeTensorsWriter writer, ParameterSet parameters, FloatDType dtype = FloatDType.F32)
    {
        foreach (ParameterTensor tensor in parameters.Tensors)
        {
            writer.Add(tensor.Name, parameters.ValuesOf(tensor), ToArray(tensor.Shape), dtype);
        }

        AddBuffers(writer, parameters, dtype);
    }

    /// <summary>Adds every buffer (running statistics as <paramref name="dtype"/>, counters as I64) under its <c>state_dict</c> name.</summary>
    internal static void AddBuffers(SafeTensorsWriter writer, ParameterSet parameters, FloatDType dtype = FloatDType.F32)
    {
        foreach (BufferTensor buffer in parameters.Buffers)
        {
            if (buffer.ElementType == BufferElementType.Int64)
            {
                writer.AddInt64(buffer.Name, parameters.CountersOf(buffer), ToArray(buffer.Shape));
            }
            else
            {
                writer.Add(buffer.Name, parameters.ValuesOf(buffer), ToArray(buffer.Shape), dtype);
            }
        }
    }

    internal static int[] ToArray(IReadOnlyList<int> shape)
    {
        int[] result = new int[shape.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = shape[i];
        }

        return result;
    }
}
