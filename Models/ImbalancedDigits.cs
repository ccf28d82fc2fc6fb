using System;
using System.Collections.Generic;
using System.Linq;
using StaticGrad;
using StaticGrad.Data;
using StaticGrad.Training;

namespace StaticGrad.Models;

/// <summary>
/// A digit classifier for imbalanced training data: 784 -> 64 -> ReLU -> 10 with softmax cross-entropy.
/// The class weights are not attribute data: they come from the label counts of the training set and are
/// set at run time with <c>Loss.SetClassWeights(ClassWeights.InverseFrequency(counts))</c>.
/// </summary>
[Model(Inputs = 784)]
public sealed partial class ImbalancedDigitsClassifier
{
    /// <summary>The hidden layer, <c>hidden</c>: 784 -> 64, ReLU.</summary>
    [Linear(64), ReLU]
    public partial Linear Hidden { get; }

    /// <summary>The output layer, <c>output</c>: 64 -> 10 logits.</summary>
    [Linear(10)]
    public partial Linear Output { get; }

    /// <summary>Softmax cross-entropy, mean over the batch weighted by the class weights once they are set.</summary>
    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>The per-class result of one training run on imbalanced data.</summary>
/// <param name="Weighted">Whether the run used inverse-frequency class weights.</param>
/// <param name="ClassWeights">The weights used (all 1 when unweighted).</param>
/// <param name="Recall">Per class: the fraction of its test samples classified as it.</param>
/// <param name="Accuracy">The fraction of all test samples classified correctly.</param>
public sealed record ImbalancedRun(bool Weighted, float[] ClassWeights, double[] Recall, double Accuracy)
{
    /// <summary>The mean of the per-class recalls (balanced accuracy).</summary>
    public double BalancedAccuracy => Recall.Average();

    /// <summary>The mean recall of the given classes.</summary>
    /// <param name="classes">Class indices.</param>
    /// <returns>The mean recall.</returns>
    public double MeanRecall(IEnumerable<int> classes) => classes.Select(c => Recall[c]).Average();
}

/// <summary>
/// The imbalanced-data experiment: remove most training samples of some digits, then train the same model twice
/// from the same initialization and shuffling — with and without class weights computed from the label counts —
/// and compare per-class recall on the (balanced) test set.
/// </summary>
public static class ImbalancedDigits
{
    /// <summary>The digits made rare by default.</summary>
    public static readonly IReadOnlyList<int> DefaultRareClasses = [2, 5, 8];

    /// <summary>
    /// Keeps every training sample of the common classes and only the first <paramref name="keepPerRareClass"/> of
    /// each class in <paramref name="rareClasses"/> (in the dataset's order, which is already a seeded shuffle).
    /// </summary>
    /// <param name="train">The full training set.</param>
    /// <param name="rareClasses">The classes to thin out.</param>
    /// <param name="keepPerRareClass">Samples kept per rare class.</param>
    /// <returns>The imbalanced training set.</returns>
    public static MnistDataset MakeImbalanced(MnistDataset train, IReadOnlyCollection<int> rareClasses, int keepPerRareClass)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(rareClasses);
        ArgumentOutOfRangeException.ThrowIfNegative(keepPerRareClass);
        var kept = new List<int>();
        int[] seen = new int[train.Classes];
        for (int i = 0; i < train.Count; i++)
        {
            int label = train.Labels[i];
            if (!rareClasses.Contains(label) || seen[label]++ < keepPerRareClass)
            {
                kept.Add(i);
            }
        }

        byte[] pixels = new byte[kept.Count * train.Features];
        byte[] labels = new byte[kept.Count];
        for (int k = 0; k < kept.Count; k++)
        {
            ReadOnlySpan<float> image = train.Image(kept[k]);
            for (int p = 0; p < image.Length; p++)
            {
                // The dataset stores byte / 255f; rounding recovers the byte exactly.
                pixels[(k * train.Features) + p] = (byte)MathF.Round(image[p] * 255f);
            }

            labels[k] = train.Labels[kept[k]];
        }

        return new MnistDataset(pixels, labels, train.Rows, train.Columns);
    }

    /// <summary>
    /// Trains <see cref="ImbalancedDigitsClassifier"/> on <paramref name="train"/> with Adam and evaluates per-class
    /// recall on <paramref name="test"/>. With <paramref name="weighted"/>, the loss's class weights are the inverse
    /// frequencies of the training labels.
    /// </summary>
    /// <param name="train">The (imbalanced) training set.</param>
    /// <param name="test">The test set.</param>
    /// <param name="weighted">Whether to weight the classes.</param>
    /// <param name="epochs">Passes over the training set.</param>
    /// <param name="seed">Seeds the initialization and the shuffling; equal for both runs of a comparison.</param>
    /// <param name="batchSize">Samples per step.</param>
    /// <param name="learningRate">Adam's learning rate.</param>
    /// <returns>The run's weights, recalls and accuracy.</returns>
    public static ImbalancedRun Train(MnistDataset train, MnistDataset test, bool weighted, int epochs, int seed, int batchSize = 64, float learningRate = 1e-3f)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        var model = new ImbalancedDigitsClassifier(seed, batchSize);
        float[] weights = Enumerable.Repeat(1f, ImbalancedDigitsClassifier.OutputSize).ToArray();
        if (weighted)
        {
            weights = ClassWeights.InverseFrequency(ClassWeights.CountLabels(train.Labels, ImbalancedDigitsClassifier.OutputSize));
            model.Loss.SetClassWeights(weights);
        }

        var adam = new Adam(model.Parameters, learningRate);
        var loader = new DataLoader(InMemoryDataset.FromMnist(train), batchSize, unchecked((ulong)seed) ^ 0x9E3779B97F4A7C15UL);
        new Trainer(model, adam, loader).Fit(epochs);

        (double[] recall, double accuracy) = Evaluate(model, test);
        return new ImbalancedRun(weighted, weights, recall, accuracy);
    }

    /// <summary>Per-class recall and accuracy of a classifier on a dataset.</summary>
    /// <param name="model">The model.</param>
    /// <param name="data">Samples with their labels.</param>
    /// <returns>Recall per class (NaN for a class with no samples) and overall accuracy.</returns>
    public static (double[] Recall, double Accuracy) Evaluate(IInferenceModel model, MnistDataset data)
    {
        ConfusionMatrix confusion = Inference.ConfusionMatrix(model, InMemoryDataset.FromMnist(data));
        double[] recall = new double[model.OutputSize];
        for (int c = 0; c < recall.Length; c++)
        {
            recall[c] = confusion.Support(c) == 0 ? double.NaN : confusion.Recall(c);
        }

        return (recall, confusion.Accuracy());
    }
}
