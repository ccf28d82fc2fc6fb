using System;

namespace StaticGrad.Data;

/// <summary>
/// Samples held in memory: features <c>[Count, Features]</c> (float, row-major) with either one class
/// index per sample (for an <see cref="IModel"/>) or float targets <c>[Count, Targets]</c> (for an
/// <see cref="IProbabilityTargetModel"/> or a regression), like a PyTorch <c>TensorDataset</c>.
/// The factories copy their input and reject NaN or infinite features; the dataset is immutable.
/// </summary>
public sealed class InMemoryDataset
{
    private readonly float[] _features;
    private readonly int[] _labels;
    private readonly float[] _targets;

    private InMemoryDataset(float[] features, int featureCount, int[] labels, float[] targets, int targetCount, int count)
    {
        _features = features;
        _labels = labels;
        _targets = targets;
        Features = featureCount;
        Targets = targetCount;
        Count = count;
    }

    /// <summary>The number of samples.</summary>
    public int Count { get; }

    /// <summary>Floats per sample in <see cref="FeatureValues"/>.</summary>
    public int Features { get; }

    /// <summary>Floats per sample in <see cref="TargetValues"/> (0 for a labelled dataset).</summary>
    public int Targets { get; }

    /// <summary>Whether the samples carry class indices (<see cref="Labels"/>) rather than float targets.</summary>
    public bool HasLabels => Targets == 0;

    /// <summary>
    /// The largest number of classes a labelled dataset may have (2²⁴): a label at or above it is refused, as such a label is
    /// almost always a regression target read as a class (<see cref="FromTargets"/>), and the class count sizes buffers
    /// (class weights, confusion matrices, stratified splits).
    /// </summary>
    public const int MaxClasses = 1 << 24;

    /// <summary>
    /// The number of classes: one more than the largest label other than <see cref="IgnoreIndex"/>
    /// (<see cref="MnistDataset.Classes"/> for <see cref="FromMnist"/>; 0 for a dataset of float targets).
    /// </summary>
    public int Classes { get; private init; }

    /// <summary>
    /// The label of samples a loss skips (PyTorch's <c>ignore_index</c>, e.g. -100) when the dataset was created with one
    /// (<see cref="FromLabels(ReadOnlySpan{float}, int, ReadOnlySpan{int}, int?)"/>), else null. Such samples train
    /// nothing and count in no evaluation; a model's loss must skip the same value (its <c>IgnoreIndex</c>).
    /// </summary>
    public int? IgnoreIndex { get; private init; }

    /// <summary>The samples whose label is <see cref="IgnoreIndex"/> (0 without one).</summary>
    public int IgnoredCount { get; private init; }

    /// <summary>All features, <see cref="Count"/> × <see cref="Features"/>, row-major.</summary>
    public ReadOnlySpan<float> FeatureValues => _features;

    /// <summary>The class index of every sample (empty for a dataset of float targets).</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>All targets, <see cref="Count"/> × <see cref="Targets"/>, row-major (empty for a labelled dataset).</summary>
    public ReadOnlySpan<float> TargetValues => _targets;

    /// <summary>The features of one sample.</summary>
    /// <param name="index">The sample, in [0, <see cref="Count"/>).</param>
    public ReadOnlySpan<float> FeaturesOf(int index) => _features.AsSpan(CheckIndex(index) * Features, Features);

    /// <summary>Creates a labelled dataset (copies the inputs).</summary>
    /// <param name="features">Row-major features, <c>labels.Length × featureCount</c> finite floats.</param>
    /// <param name="featureCount">Floats per sample; positive.</param>
    /// <param name="labels">
    /// One class index in [0, <see cref="MaxClasses"/>) per sample, or <paramref name="ignoreIndex"/>; at least one sample.
    /// </param>
    /// <param name="ignoreIndex">
    /// The label of samples the loss skips (PyTorch's <c>ignore_index</c>; a negative value such as -100, the default of
    /// <c>[SoftmaxCrossEntropy]</c> and <c>[NllLoss]</c>), or null for none: every label must then be a class index.
    /// </param>
    /// <returns>The dataset.</returns>
    /// <exception cref="ArgumentException">
    /// The shapes do not fit, a feature is NaN or infinite, or a label is neither <paramref name="ignoreIndex"/> nor in
    /// [0, <see cref="MaxClasses"/>) (the message gives the sample and column).
    /// </exception>
    public static InMemoryDataset FromLabels(ReadOnlySpan<float> features, int featureCount, ReadOnlySpan<int> labels, int? ignoreIndex = null)
    {
        ValidateFeatures(features, featureCount, labels.Length);
        int classes = 0, ignored = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] == ignoreIndex)
            {
                ignored++;
                continue;
            }

            if (labels[i] < 0 || labels[i] >= MaxClasses)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(labels),
                    labels[i],
                    $"labels[{i}] is {labels[i]}; expected a class index in [0, {MaxClasses})"
                    + (ignoreIndex is int skipped ? $" or the ignore index {skipped}" : labels[i] < 0 ? " (a label the loss skips, PyTorch's ignore_index, needs FromLabels' ignoreIndex)" : string.Empty)
                    + " (for numeric targets, use FromTargets).");
            }

            classes = Math.Max(classes, labels[i] + 1);
        }

        return new InMemoryDataset(features.ToArray(), featureCount, labels.ToArray(), [], 0, labels.Length)
        {
            Classes = classes,
            IgnoreIndex = ignoreIndex,
            IgnoredCount = ignored,
        };
    }

    /// <summary>
    /// Refuses a dataset with samples at an <see cref="IgnoreIndex"/> other than the loss's, which the loss would refuse
    /// mid-training (what <c>Trainer</c> and <c>DataParallelTrainer</c> check when they are built).
    /// </summary>
    /// <param name="lossIgnoreIndex">The model's <see cref="IModel.LossIgnoreIndex"/>.</param>
    /// <param name="paramName">The argument that holds this dataset.</param>
    /// <exception cref="ArgumentException">The indices differ.</exception>
    internal void CheckIgnoreIndex(int lossIgnoreIndex, string paramName)
    {
        if (IgnoredCount > 0 && IgnoreIndex != lossIgnoreIndex)
        {
            throw new ArgumentException(
                $"The data has {IgnoredCount} samples labelled with its ignore index {IgnoreIndex}; the model's loss skips {lossIgnoreIndex}, "
                + "so it would refuse them: create the data with the loss's IgnoreIndex.",
                paramName);
        }
    }

    /// <summary>Whether sample <paramref name="sample"/>'s label is the <see cref="IgnoreIndex"/>.</summary>
    internal bool IsIgnored(int sample) => IgnoredCount > 0 && _labels[sample] == IgnoreIndex;

    /// <summary>Creates a dataset of float targets (copies the inputs).</summary>
    /// <param name="features">Row-major features, <c>count × featureCount</c> finite floats.</param>
    /// <param name="featureCount">Floats per sample; positive.</param>
    /// <param name="targets">Row-major targets, <c>count × targetCount</c> finite floats; at least one sample.</param>
    /// <param name="targetCount">Floats per sample of targets; positive.</param>
    /// <returns>The dataset.</returns>
    /// <exception cref="ArgumentException">The shapes do not fit or a value is NaN or infinite (the message gives the sample and column).</exception>
    public static InMemoryDataset FromTargets(ReadOnlySpan<float> features, int featureCount, ReadOnlySpan<float> targets, int targetCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetCount);
        if (targets.Length == 0 || targets.Length % targetCount != 0)
        {
            throw new ArgumentException($"targets has {targets.Length} values; expected a positive multiple of targetCount ({targetCount}).", nameof(targets));
        }

        int count = targets.Length / targetCount;
        ValidateFeatures(features, featureCount, count);
        CheckFinite(targets, targetCount, nameof(targets));
        return new InMemoryDataset(features.ToArray(), featureCount, [], targets.ToArray(), targetCount, count);
    }

    /// <summary>
    /// The MNIST images (floats in [0, 1]) and their digit labels. <see cref="Classes"/> is <see cref="MnistDataset.Classes"/>
    /// (10 for digits, as torchvision's <c>MNIST.classes</c>), not the largest label + 1: a file of only some digits keeps
    /// the ten classes that size confusion matrices, class weights and stratified splits.
    /// </summary>
    /// <param name="mnist">The loaded IDX data.</param>
    /// <returns>A labelled dataset with <see cref="MnistDataset.Features"/> features.</returns>
    public static InMemoryDataset FromMnist(MnistDataset mnist)
    {
        ArgumentNullException.ThrowIfNull(mnist);
        int[] labels = new int[mnist.Count];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = mnist.Labels[i];
        }

        InMemoryDataset dataset = FromLabels(mnist.Images, mnist.Features, labels);
        return new InMemoryDataset(dataset._features, dataset.Features, dataset._labels, [], 0, dataset.Count) { Classes = mnist.Classes };
    }

    /// <summary>A new dataset of the samples at <paramref name="indices"/>, in that order (e.g. one side of a split).</summary>
    /// <param name="indices">Sample indices in [0, <see cref="Count"/>); at least one.</param>
    /// <returns>The subset (a copy).</returns>
    /// <exception cref="ArgumentException"><paramref name="indices"/> is empty, or an index is out of range (the message gives its position).</exception>
    public InMemoryDataset Subset(ReadOnlySpan<int> indices)
    {
        if (indices.Length == 0)
        {
            throw new ArgumentException("Expected at least one index.", nameof(indices));
        }

        float[] features = new float[(long)indices.Length * Features];
        int[] labels = HasLabels ? new int[indices.Length] : [];
        float[] targets = HasLabels ? [] : new float[(long)indices.Length * Targets];
        for (int i = 0; i < indices.Length; i++)
        {
            int sample = indices[i];
            if ((uint)sample >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), sample, $"indices[{i}] is {sample}; expected a sample index in [0, {Count}).");
            }

            CopySample(sample, features.AsSpan(i * Features, Features), labels, targets.AsSpan(i * Targets, Targets), i);
        }

        int ignored = 0;
        foreach (int label in labels)
        {
            ignored += label == IgnoreIndex ? 1 : 0;
        }

        return new InMemoryDataset(features, Features, labels, targets, Targets, indices.Length) { Classes = Classes, IgnoreIndex = IgnoreIndex, IgnoredCount = ignored };
    }

    /// <summary>
    /// A dataset of the same samples, labels and settings with its features or targets replaced (a scaler's transformed
    /// copy). It takes ownership of the new arrays, which must have this dataset's shape and hold finite values only: the
    /// caller checks them, as the factories do theirs.
    /// </summary>
    /// <param name="features">New features, or null to share this dataset's (it is immutable).</param>
    /// <param name="targets">New targets, or null to share this dataset's.</param>
    internal InMemoryDataset WithValues(float[]? features, float[]? targets) =>
        new(features ?? _features, Features, _labels, targets ?? _targets, Targets, Count)
        {
            Classes = Classes,
            IgnoreIndex = IgnoreIndex,
            IgnoredCount = IgnoredCount,
        };

    /// <summary>Copies sample <paramref name="sample"/> into batch row <paramref name="row"/> (no validation: for the loader).</summary>
    internal void CopySample(int sample, Span<float> features, Span<int> labels, Span<float> targets, int row)
    {
        _features.AsSpan(sample * Features, Features).CopyTo(features);
        if (HasLabels)
        {
            labels[row] = _labels[sample];
        }
        else
        {
            _targets.AsSpan(sample * Targets, Targets).CopyTo(targets);
        }
    }

    private int CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Invalid sample index {index}; expected [0, {Count}).");
        }

        return index;
    }

    private static void ValidateFeatures(ReadOnlySpan<float> features, int featureCount, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        if (count == 0)
        {
            throw new ArgumentException("Expected at least one sample.", nameof(features));
        }

        if (features.Length != (long)count * featureCount)
        {
            throw new ArgumentException($"features has {features.Length} values; expected {count} samples × {featureCount} features = {(long)count * featureCount}.", nameof(features));
        }

        CheckFinite(features, featureCount, nameof(features));
    }

    private static void CheckFinite(ReadOnlySpan<float> values, int width, string paramName)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException($"{paramName}[{i}] (sample {i / width}, column {i % width}) is {values[i]}; expected a finite value.", paramName);
            }
        }
    }
}
