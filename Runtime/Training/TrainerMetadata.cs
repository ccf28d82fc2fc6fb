using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using StaticGrad.Checkpoints;

namespace StaticGrad.Training;

/// <summary>
/// The <see cref="Trainer"/>'s own state in a training checkpoint's metadata: the dropout generator, the schedules,
/// early stopping, the gradient accumulation setting and how the loader draws an epoch. Every value is exact (generator words and float64 bits in hexadecimal).
/// </summary>
internal static class TrainerMetadata
{
    /// <summary>The dropout generator's four state words (the key the train app has always used).</summary>
    public const string DropoutKey = "dropout.state";

    /// <summary>The prefix of the trainer's other keys, reserved in <see cref="TrainerOptions.CheckpointMetadata"/>.</summary>
    public const string Prefix = "trainer.";

    /// <summary><see cref="TrainerOptions.Scheduler"/>'s state.</summary>
    public const string SchedulerKey = "trainer.scheduler";

    /// <summary><see cref="TrainerOptions.Plateau"/>'s state.</summary>
    public const string PlateauKey = "trainer.plateau";

    /// <summary><see cref="EarlyStopping"/>'s best value (float64 bits), best epoch and wait.</summary>
    public const string EarlyStoppingKey = "trainer.early_stopping";

    /// <summary><see cref="TrainerOptions.AccumulationSteps"/> of the saved run (checkpoints written before this key lack it).</summary>
    public const string AccumulationKey = "trainer.accumulation_steps";

    /// <summary>
    /// The loader's <see cref="Data.DataLoader.Sampling"/>, <see cref="Data.DataLoader.SamplesPerEpoch"/> and
    /// <see cref="Data.DataLoader.DropLast"/>, as 'Sampling,samples,dropLast' (checkpoints written before this key lack it,
    /// before 2026-12-07 the drop-last field): a weighted loader's epoch is not the dataset's size, and dropping the last
    /// partial batch changes the steps per epoch, so the training set size alone does not tell whether the saved steps
    /// per epoch are this trainer's.
    /// </summary>
    public const string LoaderKey = "trainer.loader";

    /// <summary>The file beside a checkpoint that holds the best epoch's parameters for <see cref="EarlyStopping.RestoreBestWeights"/>.</summary>
    public static string BestWeightsPath(string checkpointPath) => checkpointPath + ".best.safetensors";

    public static string FormatGenerator((uint S0, uint S1, uint S2, uint S3) state) => GeneratorStateText.Format(state);

    public static (uint, uint, uint, uint) ParseGenerator(TrainingCheckpoint checkpoint)
    {
        string text = Required(checkpoint, DropoutKey, "the model has dropout");
        return GeneratorStateText.TryParse(text, out (uint, uint, uint, uint) state)
            ? state
            : throw new InvalidDataException($"{checkpoint.Source}: '{DropoutKey}' must be four hexadecimal 32-bit words, not all zero; got '{SafeTensorsReader.Shown(text)}'.");
    }

    public static string FormatEarlyStopping(EarlyStopping rule)
        => string.Create(CultureInfo.InvariantCulture, $"{BitConverter.DoubleToInt64Bits(rule.Best):x16},{rule.BestEpoch},{rule.Wait}");

    public static (double Best, int BestEpoch, int Wait) ParseEarlyStopping(TrainingCheckpoint checkpoint)
    {
        string text = Required(checkpoint, EarlyStoppingKey, "this run uses early stopping");
        string[] parts = text.Split(',');
        if (parts.Length == 3
            && parts[0].Length == 16
            && long.TryParse(parts[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long bits)
            && !double.IsNaN(BitConverter.Int64BitsToDouble(bits))
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int bestEpoch)
            && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int wait)
            && bestEpoch <= checkpoint.Progress.EpochsCompleted)
        {
            return (BitConverter.Int64BitsToDouble(bits), bestEpoch, wait);
        }

        throw new InvalidDataException(
            $"{checkpoint.Source}: '{EarlyStoppingKey}' must be 'best,bestEpoch,wait' (16 hexadecimal digits, then two integers >= 0, the epoch at most {checkpoint.Progress.EpochsCompleted}); got '{SafeTensorsReader.Shown(text)}'.");
    }

    /// <summary>The saved run's <see cref="TrainerOptions.AccumulationSteps"/>, or null for a checkpoint written before the trainer recorded it.</summary>
    public static int? ParseAccumulationSteps(TrainingCheckpoint checkpoint)
    {
        if (!checkpoint.Metadata.TryGetValue(AccumulationKey, out string? text))
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int steps) && steps >= 1
            ? steps
            : throw new InvalidDataException($"{checkpoint.Source}: '{AccumulationKey}' must be an integer >= 1; got '{SafeTensorsReader.Shown(text)}'.");
    }

    public static string FormatLoader(Data.DataSampling sampling, int samplesPerEpoch, bool dropLast)
        => string.Create(CultureInfo.InvariantCulture, $"{sampling},{samplesPerEpoch},{(dropLast ? "true" : "false")}");

    /// <summary>
    /// The saved run's loader sampling, samples per epoch and drop-last setting (null for a checkpoint written before it
    /// was recorded), or null for a checkpoint written before the trainer recorded any.
    /// </summary>
    public static (Data.DataSampling Sampling, int SamplesPerEpoch, bool? DropLast)? ParseLoader(TrainingCheckpoint checkpoint)
    {
        if (!checkpoint.Metadata.TryGetValue(LoaderKey, out string? text))
        {
            return null;
        }

        string[] parts = text.Split(',');
        bool? dropLast = parts.Length == 3 ? parts[2] switch { "true" => true, "false" => false, _ => null } : null;
        return parts.Length is 2 or 3
            && (parts.Length == 2 || dropLast is not null)
            && Enum.TryParse(parts[0], ignoreCase: false, out Data.DataSampling sampling)
            && sampling.ToString() == parts[0]
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int samples)
            && samples >= 1
            ? (sampling, samples, dropLast)
            : throw new InvalidDataException(
                $"{checkpoint.Source}: '{LoaderKey}' must be 'Sampling,samplesPerEpoch,dropLast' (one of {string.Join(", ", Enum.GetNames<Data.DataSampling>())}, an integer >= 1, then true or false); got '{SafeTensorsReader.Shown(text)}'.");
    }

    public static SchedulerState ParseScheduler(TrainingCheckpoint checkpoint, string key)
    {
        string text = Required(checkpoint, key, "this run has that learning-rate schedule");
        return SchedulerStateText.Parse(text, $"{checkpoint.Source}: '{key}'");
    }

    /// <summary>Throws unless the checkpoint holds <paramref name="key"/> exactly when this run needs it.</summary>
    public static void CheckPresence(TrainingCheckpoint checkpoint, string key, bool needed, string what)
    {
        if (!needed && checkpoint.Metadata.ContainsKey(key))
        {
            throw new InvalidDataException($"{checkpoint.Source}: the saved run had {what} ('{key}') but this trainer has none; resume with the same settings.");
        }
    }

    /// <summary>Throws if a caller's metadata uses a key the trainer writes.</summary>
    public static void CheckCallerKeys(IReadOnlyDictionary<string, string>? metadata, string paramName)
    {
        if (metadata is null)
        {
            return;
        }

        foreach (string key in metadata.Keys)
        {
            if (key == DropoutKey || key.StartsWith(Prefix, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Metadata key '{key}' is reserved for the trainer ('{DropoutKey}' and '{Prefix}*').", paramName);
            }
        }
    }

    private static string Required(TrainingCheckpoint checkpoint, string key, string why)
        => checkpoint.Metadata.TryGetValue(key, out string? text)
            ? text
            : throw new InvalidDataException($"{checkpoint.Source}: {why} but the checkpoint holds no '{key}'; it was saved by another run.");
}
