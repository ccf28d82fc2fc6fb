using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;
using StaticGrad.Checkpoints;

namespace StaticGrad.Models.Commands;

/// <summary>
/// What fixes a train run besides the optimizer: stored in its checkpoints' metadata so that <c>--resume</c> rebuilds the
/// same model, data order, schedule, clipping, early stopping and validation split.
/// </summary>
/// <param name="Model">The model name.</param>
/// <param name="Seed">Initialization and shuffling seed.</param>
/// <param name="Batch">The batch size.</param>
/// <param name="Schedule">The learning-rate schedule name.</param>
/// <param name="Warmup">Warm-up epochs.</param>
/// <param name="ScheduleEpochs">The epoch count the schedule was built for.</param>
/// <param name="ClipGradNorm">The clipping norm, or null.</param>
/// <param name="Accumulate">Minibatches per optimizer step.</param>
/// <param name="EarlyStopping">Early stopping's patience, or null.</param>
/// <param name="ValidationSplit">The held-out fraction, or null.</param>
internal sealed record RunSettings(string Model, int Seed, int Batch, string Schedule, int Warmup, int ScheduleEpochs, float? ClipGradNorm, int Accumulate, int? EarlyStopping, double? ValidationSplit)
{
    private const string ScheduleKey = "lr_schedule", WarmupKey = "warmup", EpochsKey = "schedule_epochs", ClipKey = "clip_grad_norm", AccumulateKey = "accumulate", PatienceKey = "early_stopping", SplitKey = "val_split";

    /// <summary>The settings of the command line.</summary>
    public static RunSettings From(TrainOptions options) => new(
        options.Model, options.Seeds[0], options.BatchSize, options.LearningRateSchedule, options.Warmup, options.Epochs, options.ClipGradNorm, options.Accumulate, options.EarlyStopping, options.ValidationSplit);

    /// <summary>The settings a checkpoint was saved with (entries it lacks, as in checkpoints of older versions, are off).</summary>
    /// <exception cref="InvalidDataException">An entry is malformed.</exception>
    public static RunSettings FromMetadata(TrainingCheckpoint checkpoint, string model, int seed)
    {
        IReadOnlyDictionary<string, string> metadata = checkpoint.Metadata;
        string schedule = metadata.GetValueOrDefault(ScheduleKey, "none");
        if (Array.IndexOf(TrainOptions.Schedules, schedule) < 0)
        {
            throw new InvalidDataException($"{checkpoint.Source}: '{ScheduleKey}' is '{SafeTensorsReader.Shown(schedule)}'; expected one of {string.Join(", ", TrainOptions.Schedules)}.");
        }

        return new RunSettings(
            model,
            seed,
            checkpoint.Progress.BatchSize,
            schedule,
            Int(checkpoint, WarmupKey) ?? 0,
            Int(checkpoint, EpochsKey) ?? 1,
            Number<float>(checkpoint, ClipKey),
            Int(checkpoint, AccumulateKey) ?? 1,
            Int(checkpoint, PatienceKey),
            Number<double>(checkpoint, SplitKey));
    }

    /// <summary>The checkpoint metadata: the model and seed always, the rest when not off.</summary>
    public Dictionary<string, string> ToMetadata()
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ModelFiles.ModelKey] = Model,
            [ModelFiles.SeedKey] = Seed.ToString(CultureInfo.InvariantCulture),
        };
        if (Schedule != "none")
        {
            metadata[ScheduleKey] = Schedule;
            metadata[EpochsKey] = ScheduleEpochs.ToString(CultureInfo.InvariantCulture);
        }

        Add(metadata, WarmupKey, Warmup == 0 ? null : Warmup.ToString(CultureInfo.InvariantCulture));
        Add(metadata, ClipKey, ClipGradNorm?.ToString("R", CultureInfo.InvariantCulture));
        Add(metadata, AccumulateKey, Accumulate == 1 ? null : Accumulate.ToString(CultureInfo.InvariantCulture));
        Add(metadata, PatienceKey, EarlyStopping?.ToString(CultureInfo.InvariantCulture));
        Add(metadata, SplitKey, ValidationSplit?.ToString("R", CultureInfo.InvariantCulture));
        return metadata;
    }

    /// <summary>The non-default settings for the header line ("" when all are off).</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (Schedule != "none")
        {
            parts.Add($"lr schedule {Schedule}");
        }

        if (Warmup > 0)
        {
            parts.Add($"warm-up {Warmup} epoch(s)");
        }

        if (ClipGradNorm is float clip)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"gradient norm clipped to {clip:G}"));
        }

        if (Accumulate > 1)
        {
            parts.Add($"gradients of {Accumulate} minibatches per step");
        }

        if (EarlyStopping is int patience)
        {
            parts.Add($"early stopping after {patience} epoch(s) without improvement");
        }

        return parts.Count == 0 ? string.Empty : ", " + string.Join(", ", parts);
    }

    private static void Add(Dictionary<string, string> metadata, string key, string? value)
    {
        if (value is not null)
        {
            metadata[key] = value;
        }
    }

    private static int? Int(TrainingCheckpoint checkpoint, string key)
    {
        if (!checkpoint.Metadata.TryGetValue(key, out string? text))
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= 0
            ? value
            : throw new InvalidDataException($"{checkpoint.Source}: '{key}' is '{SafeTensorsReader.Shown(text)}'; expected an integer >= 0.");
    }

    private static T? Number<T>(TrainingCheckpoint checkpoint, string key)
        where T : struct, IFloatingPointIeee754<T>
    {
        if (!checkpoint.Metadata.TryGetValue(key, out string? text))
        {
            return null;
        }

        return T.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out T value) && T.IsFinite(value) && value > T.Zero
            ? value
            : throw new InvalidDataException($"{checkpoint.Source}: '{key}' is '{SafeTensorsReader.Shown(text)}'; expected a number > 0.");
    }
}
