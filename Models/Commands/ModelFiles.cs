using System;
using System.Collections.Generic;
using System.IO;
using StaticGrad.Checkpoints;

namespace StaticGrad.Models.Commands;

/// <summary>The seed models by command-line name, and loading them from weights files.</summary>
internal static class ModelFiles
{
    /// <summary>The metadata key under which the commands record the model's name.</summary>
    public const string ModelKey = "model";

    /// <summary>The metadata key under which the commands record the seed.</summary>
    public const string SeedKey = "seed";

    /// <summary>Creates a seed model by name.</summary>
    public static IModel Create(string name, int seed, int maxBatch) => name switch
    {
        "mlp128" => new MnistClassifier128(seed, maxBatch),
        "mlp256" => new MnistClassifier256(seed, maxBatch),
        "resmlp" => new ResidualMlp(seed, maxBatch),
        "lenet" => new LeNet5(seed, maxBatch),
        "cnn-bn" => new NormalizedCnn(seed, maxBatch),
        _ => throw new ArgumentException($"Unknown model '{name}'; expected {string.Join(", ", CliOptions.ModelNames)}.", nameof(name)),
    };

    /// <summary>
    /// Tells which seed model a file holds: the <c>model</c> metadata entry if it names one, else the
    /// tensor names (<c>stem.weight</c>: resmlp; <c>conv1.weight</c>: lenet, or cnn-bn with <c>bn1.weight</c>;
    /// <c>fc1.weight</c>: mlp128; <c>layer1.weight</c>: mlp256, whose width decides).
    /// </summary>
    /// <returns>The model's name, or null if neither applies.</returns>
    public static string? Detect(IReadOnlyDictionary<string, string> metadata, Func<string, IReadOnlyList<long>?> shapeOf)
    {
        if (metadata.TryGetValue(ModelKey, out string? name) && Array.IndexOf(CliOptions.ModelNames, name) >= 0)
        {
            return name;
        }

        if (shapeOf("conv1.weight") is { Count: 4 })
        {
            return shapeOf("bn1.weight") is { Count: 1 } ? "cnn-bn" : "lenet";
        }

        if (shapeOf("stem.weight") is { Count: 2 })
        {
            return "resmlp";
        }

        if (shapeOf("fc1.weight") is { Count: 2 } fc1 && fc1[0] == 128)
        {
            return "mlp128";
        }

        if (shapeOf("layer1.weight") is { Count: 2 } layer1 && layer1[0] == 256)
        {
            return "mlp256";
        }

        return null;
    }

    /// <summary>Reads a weights file or a training checkpoint into a new seed model.</summary>
    /// <param name="path">The safetensors file.</param>
    /// <param name="modelName">The model, or null to detect it.</param>
    /// <param name="stripPrefix">
    /// <c>--strip-prefix</c>: removed from the file's tensor names that start with it before the model is told from
    /// them and they are loaded (<see cref="WeightsLoadOptions.StripPrefix"/>), or null for none.
    /// </param>
    /// <param name="maxBatch">The model's largest batch.</param>
    /// <returns>The model, its name, and a description of the file.</returns>
    /// <exception cref="InvalidDataException">
    /// The file is malformed, its model cannot be told, or it does not fit the model. When the file's tensor names carry
    /// a prefix the model's lack (<c>module.</c> from <c>nn.DataParallel</c>), the message says which
    /// <c>--strip-prefix</c> loads it.
    /// </exception>
    /// <exception cref="UsageException">No tensor name of the file starts with <paramref name="stripPrefix"/>.</exception>
    public static (IModel Model, string Name, string Description) Load(string path, string? modelName, string? stripPrefix, int maxBatch)
    {
        stripPrefix = string.IsNullOrEmpty(stripPrefix) ? null : stripPrefix;
        using SafeTensorsReader reader = SafeTensorsReader.Open(path);
        Dictionary<string, SafeTensorInfo> tensors = WeightTensors(reader, path, stripPrefix);
        string? name = modelName ?? Detect(reader.Metadata, n => tensors.TryGetValue(n, out SafeTensorInfo? info) ? info.Shape : null);
        if (name is null)
        {
            throw new InvalidDataException(PrefixToDetect(tensors) is (string extra, string fits)
                ? PrefixMessage(path, stripPrefix, extra, tensors, fits)
                : $"{path}: cannot tell which model the file holds (no 'model' metadata naming one, and none of conv1.weight (lenet, cnn-bn), stem.weight (resmlp), fc1.weight [128, 784] (mlp128) or layer1.weight [256, 784] (mlp256){(stripPrefix is null ? string.Empty : $" after --strip-prefix {Typed(stripPrefix)}")}); pass --model with one of {string.Join(", ", CliOptions.ModelNames)}.");
        }

        IModel model = Create(name, seed: 0, maxBatch);
        try
        {
            ModelWeights.Load(model.Parameters, reader, stripPrefix is null ? null : new WeightsLoadOptions { StripPrefix = stripPrefix });
        }
        catch (InvalidDataException e) when (PrefixToLoad(tensors.Keys, model.Parameters) is string extra)
        {
            throw new InvalidDataException(PrefixMessage(path, stripPrefix, extra, tensors, name), e);
        }
        catch (InvalidDataException e) when (modelName is null)
        {
            string why = reader.Metadata.TryGetValue(ModelKey, out string? saved) && saved == name
                ? $"its '{ModelKey}' metadata says {name}"
                : $"its tensor names are {name}'s";
            throw new InvalidDataException($"{e.Message} (The file was read as {name} because {why}; pass --model to read it as another of {string.Join(", ", CliOptions.ModelNames)}.)", e);
        }
        catch (InvalidDataException e) when (Detect(reader.Metadata, n => tensors.TryGetValue(n, out SafeTensorInfo? info) ? info.Shape : null) is string held && held != name)
        {
            // The library's message lists every mismatched tensor and its load options, which a command line cannot use.
            throw new InvalidDataException($"{path} holds {held}'s weights, not {name}'s: drop --model (the file says which model it is) or pass --model {held}.", e);
        }

        if (FirstNonFinite(model.Parameters) is string bad)
        {
            throw new InvalidDataException(
                $"{path}: '{bad}' holds NaN or infinite values (the run that wrote the file diverged: a learning rate too large?); the model's outputs would be NaN, so it is not used.");
        }

        string description = IsTrainingCheckpoint(reader)
            ? $"training checkpoint, epoch {(reader.Metadata.TryGetValue("training.epoch", out string? epoch) ? SafeTensorsReader.Shown(epoch) : "?")}"
            : "weights";
        return (model, name, description);
    }

    /// <summary>The name of the first parameter or buffer with a NaN or infinite value, or null when all are finite.</summary>
    private static string? FirstNonFinite(ParameterSet parameters)
    {
        foreach (ParameterTensor tensor in parameters.Tensors)
        {
            if (!AllFinite(parameters.ValuesOf(tensor)))
            {
                return tensor.Name;
            }
        }

        foreach (BufferTensor buffer in parameters.Buffers)
        {
            if (buffer.ElementType == BufferElementType.Float32 && !AllFinite(parameters.ValuesOf(buffer)))
            {
                return buffer.Name;
            }
        }

        return null;
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float value in values)
        {
            if (!float.IsFinite(value))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsTrainingCheckpoint(SafeTensorsReader reader)
        => reader.Metadata.TryGetValue(TrainingCheckpoint.KindKey, out string? kind) && kind == TrainingCheckpoint.KindValue;

    /// <summary>
    /// The file's weight tensors (a training checkpoint's optimizer tensors left out, as <see cref="ModelWeights"/> does)
    /// by the names they load as: without <paramref name="stripPrefix"/> if they start with it.
    /// </summary>
    /// <exception cref="UsageException">No weight tensor's name starts with <paramref name="stripPrefix"/>.</exception>
    /// <exception cref="InvalidDataException">Two tensors load as one name (<c>module.fc1.weight</c> and <c>fc1.weight</c>).</exception>
    private static Dictionary<string, SafeTensorInfo> WeightTensors(SafeTensorsReader reader, string path, string? stripPrefix)
    {
        bool checkpoint = IsTrainingCheckpoint(reader);
        var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
        var fileNames = new List<string>();
        bool stripped = false;
        foreach (SafeTensorInfo info in reader.Tensors)
        {
            if (checkpoint && info.Name.StartsWith(TrainingCheckpoint.OptimizerPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            fileNames.Add(info.Name);
            string name = info.Name;
            if (!string.IsNullOrEmpty(stripPrefix) && name.StartsWith(stripPrefix, StringComparison.Ordinal))
            {
                name = name[stripPrefix.Length..];
                stripped = true;
            }

            if (!tensors.TryAdd(name, info))
            {
                throw new InvalidDataException(
                    $"{path}: with --strip-prefix {Typed(stripPrefix!)}, the tensors '{SafeTensorsReader.Shown(tensors[name].Name)}' and '{SafeTensorsReader.Shown(info.Name)}' would both load as '{SafeTensorsReader.Shown(name)}'.");
            }
        }

        if (stripPrefix is not null && !stripped)
        {
            string held = fileNames.Count == 0 ? "the file holds no weight tensors" : $"its tensors are {SafeTensorsReader.ShownList(fileNames)}";
            string hint = PrefixToDetect(tensors) is (string prefix, _)
                ? $"; they all start with '{SafeTensorsReader.Shown(prefix)}', which --strip-prefix {Typed(prefix)} removes"
                : fileNames.Count > 0 && Detect(new Dictionary<string, string>(), n => tensors.TryGetValue(n, out SafeTensorInfo? info) ? info.Shape : null) is string fits
                    ? $"; they are {fits}'s names as they are, so drop --strip-prefix"
                    : string.Empty;
            throw new UsageException($"Option '--strip-prefix': no tensor name of '{path}' starts with '{SafeTensorsReader.Shown(stripPrefix)}' ({held}){hint}.");
        }

        return tensors;
    }

    /// <summary>
    /// The prefix all of <paramref name="tensors"/>' names share up to their first dot (<c>module.</c>) when without it
    /// they are a seed model's tensor names (<see cref="Detect"/>), and that model; else null.
    /// </summary>
    private static (string Prefix, string Model)? PrefixToDetect(IReadOnlyDictionary<string, SafeTensorInfo> tensors)
    {
        string? prefix = null;
        foreach (string name in tensors.Keys)
        {
            prefix ??= FirstSegment(name);
            if (prefix is null || !name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return null;
            }
        }

        return prefix is not null && Detect(new Dictionary<string, string>(), n => tensors.TryGetValue(prefix + n, out SafeTensorInfo? info) ? info.Shape : null) is string model
            ? (prefix, model)
            : null;
    }

    /// <summary>
    /// The prefix up to their first dot that all of <paramref name="names"/> the model lacks share when without it one
    /// of them is the model's (as <see cref="ModelWeights"/> tells it for its <see cref="WeightsLoadOptions"/> hint), else null.
    /// </summary>
    private static string? PrefixToLoad(IEnumerable<string> names, ParameterSet parameters)
    {
        var model = new HashSet<string>(StringComparer.Ordinal);
        foreach (ParameterTensor tensor in parameters.Tensors)
        {
            model.Add(tensor.Name);
        }

        foreach (BufferTensor buffer in parameters.Buffers)
        {
            model.Add(buffer.Name);
        }

        string? prefix = null;
        bool fits = false;
        foreach (string name in names)
        {
            if (model.Contains(name))
            {
                continue;
            }

            prefix ??= FirstSegment(name);
            if (prefix is null || !name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return null;
            }

            fits |= model.Contains(name[prefix.Length..]);
        }

        return fits ? prefix : null;
    }

    /// <summary><paramref name="name"/> up to and with its first dot, or null without one.</summary>
    private static string? FirstSegment(string name)
    {
        int dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? null : name[..(dot + 1)];
    }

    /// <summary>
    /// The message for tensor names that still carry <paramref name="extra"/> (after <paramref name="stripPrefix"/>, if
    /// given) which <paramref name="model"/>'s names lack: the <c>--strip-prefix</c> that removes it.
    /// </summary>
    private static string PrefixMessage(string path, string? stripPrefix, string extra, IReadOnlyDictionary<string, SafeTensorInfo> tensors, string model)
    {
        string example = string.Empty;
        foreach ((string name, SafeTensorInfo info) in tensors)
        {
            if (name.StartsWith(extra, StringComparison.Ordinal))
            {
                example = stripPrefix is null ? $"'{SafeTensorsReader.Shown(name)}'" : $"'{SafeTensorsReader.Shown(info.Name)}' as '{SafeTensorsReader.Shown(name)}'";
                break;
            }
        }

        string suggested = Typed((stripPrefix ?? string.Empty) + extra);
        return stripPrefix is null
            ? $"{path}: the file's tensor names carry the prefix '{SafeTensorsReader.Shown(extra)}' (e.g. {example}), which {model}'s tensor names lack (nn.DataParallel and DistributedDataParallel save 'module.' before every name); pass --strip-prefix {suggested} to remove it."
            : $"{path}: after --strip-prefix {Typed(stripPrefix)} the file's tensor names still start with '{SafeTensorsReader.Shown(extra)}' (e.g. {example}), which {model}'s tensor names lack; pass --strip-prefix {suggested} to remove the whole prefix.";
    }

    /// <summary><paramref name="value"/> as typed after an option: as it is when a shell leaves it so, else single-quoted (and <see cref="SafeTensorsReader.Shown"/>).</summary>
    private static string Typed(string value)
    {
        foreach (char c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-' or '/' or ':'))
            {
                return $"'{SafeTensorsReader.Shown(value).Replace("'", "'\\''", StringComparison.Ordinal)}'";
            }
        }

        return value;
    }
}
