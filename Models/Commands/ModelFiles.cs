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
    /// <param name="maxBatch">The model's largest batch.</param>
    /// <returns>The model, its name, and a description of the file.</returns>
    /// <exception cref="InvalidDataException">The file is malformed, its model cannot be told, or it does not fit the model.</exception>
    public static (IModel Model, string Name, string Description) Load(string path, string? modelName, int maxBatch)
    {
        using SafeTensorsReader reader = SafeTensorsReader.Open(path);
        string name = modelName
            ?? Detect(reader.Metadata, n => reader.TryGetTensor(n, out SafeTensorInfo info) ? info.Shape : null)
            ?? throw new InvalidDataException(
                $"{path}: cannot tell which model the file holds (no 'model' metadata naming one, and none of conv1.weight (lenet, cnn-bn), stem.weight (resmlp), fc1.weight [128, 784] (mlp128) or layer1.weight [256, 784] (mlp256)); pass --model with one of {string.Join(", ", CliOptions.ModelNames)}.");
        IModel model = Create(name, seed: 0, maxBatch);
        try
        {
            ModelWeights.Load(model.Parameters, reader);
        }
        catch (InvalidDataException e) when (modelName is null)
        {
            string why = reader.Metadata.TryGetValue(ModelKey, out string? saved) && saved == name
                ? $"its '{ModelKey}' metadata says {name}"
                : $"its tensor names are {name}'s";
            throw new InvalidDataException($"{e.Message} (The file was read as {name} because {why}; pass --model to read it as another of {string.Join(", ", CliOptions.ModelNames)}.)", e);
        }

        string description = reader.Metadata.TryGetValue(TrainingCheckpoint.KindKey, out string? kind) && kind == TrainingCheckpoint.KindValue
            ? $"training checkpoint, epoch {(reader.Metadata.TryGetValue("training.epoch", out string? epoch) ? SafeTensorsReader.Shown(epoch) : "?")}"
            : "weights";
        return (model, name, description);
    }
}
