using System;
using StaticGrad;
using StaticGrad.Data;
using StaticGrad.Training;

namespace StaticGrad.Models;

/// <summary>
/// A binary classifier, "is this digit a zero?": 784 -> 32 -> ReLU -> 1 logit with sigmoid + binary cross-entropy
/// (PyTorch's <c>BCEWithLogitsLoss</c>). Zeros are about a tenth of the data; the positive weight
/// <c>negatives / positives</c> is computed from the training labels and set at run time.
/// </summary>
[Model(Inputs = 784)]
public sealed partial class ZeroDigitDetector
{
    /// <summary>The hidden layer, <c>hidden</c>: 784 -> 32, ReLU.</summary>
    [Linear(32), ReLU]
    public partial Linear Hidden { get; }

    /// <summary>The output layer, <c>output</c>: 32 -> 1 logit.</summary>
    [Linear(1)]
    public partial Linear Output { get; }

    /// <summary>Binary cross-entropy with logits, mean over the batch.</summary>
    [BinaryCrossEntropyWithLogits]
    public partial BinaryCrossEntropyWithLogitsLoss Loss { get; }
}

/// <summary>What the binary model achieved on the test set.</summary>
/// <param name="PosWeight">The positive weight used (1 when not balanced).</param>
/// <param name="Accuracy">The fraction of test samples classified correctly.</param>
/// <param name="Precision">Of the samples predicted "zero", the fraction that are zeros.</param>
/// <param name="Recall">Of the zeros, the fraction predicted "zero".</param>
/// <param name="MajorityBaseline">The accuracy of always answering "not a zero".</param>
/// <param name="MeanLoss">The mean training loss of the last epoch.</param>
public sealed record BinaryRun(float PosWeight, double Accuracy, double Precision, double Recall, double MajorityBaseline, double MeanLoss);

/// <summary>Trains and evaluates <see cref="ZeroDigitDetector"/>.</summary>
public static class ZeroDigits
{
    /// <summary>Trains the detector with Adam and evaluates it on <paramref name="test"/>.</summary>
    /// <param name="train">The training digits; the target is 1 for a zero, else 0.</param>
    /// <param name="test">The test digits.</param>
    /// <param name="epochs">Passes over the training set.</param>
    /// <param name="seed">Seeds the initialization and the shuffling.</param>
    /// <param name="balance">Whether to set <c>pos_weight = negatives / positives</c> from the training labels.</param>
    /// <param name="batchSize">Samples per step.</param>
    /// <param name="learningRate">Adam's learning rate.</param>
    /// <returns>The test metrics.</returns>
    public static BinaryRun Train(MnistDataset train, MnistDataset test, int epochs, int seed, bool balance = true, int batchSize = 64, float learningRate = 1e-3f)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        var model = new ZeroDigitDetector(seed, batchSize);
        int positives = 0;
        foreach (byte label in train.Labels)
        {
            positives += label == 0 ? 1 : 0;
        }

        float posWeight = balance ? ClassWeights.PositiveWeight(positives, train.Count - positives) : 1f;
        model.Loss.SetPosWeight([posWeight]);

        float[] targets = new float[train.Count];
        for (int i = 0; i < targets.Length; i++)
        {
            targets[i] = train.Labels[i] == 0 ? 1f : 0f;
        }

        var adam = new Adam(model.Parameters, learningRate);
        var loader = new DataLoader(InMemoryDataset.FromTargets(train.Images, train.Features, targets, 1), batchSize, unchecked((ulong)seed) ^ 0xD1B54A32D192ED03UL);
        var trainer = new Trainer(model, adam, loader);
        trainer.Fit(epochs);
        double meanLoss = trainer.History[^1].TrainingLoss;
        return Evaluate(model, test, posWeight, meanLoss);
    }

    private static BinaryRun Evaluate(ZeroDigitDetector model, MnistDataset test, float posWeight, double meanLoss)
    {
        float[] probabilities = new float[model.MaxBatch];
        int truePositives = 0, falsePositives = 0, falseNegatives = 0, correct = 0, zeros = 0;
        for (int start = 0; start < test.Count; start += model.MaxBatch)
        {
            int batch = Math.Min(model.MaxBatch, test.Count - start);
            model.Predict(test.Images.Slice(start * test.Features, batch * test.Features), probabilities, batch);
            for (int i = 0; i < batch; i++)
            {
                bool isZero = test.Labels[start + i] == 0;
                bool predicted = probabilities[i] > 0.5f;
                zeros += isZero ? 1 : 0;
                correct += isZero == predicted ? 1 : 0;
                truePositives += isZero && predicted ? 1 : 0;
                falsePositives += !isZero && predicted ? 1 : 0;
                falseNegatives += isZero && !predicted ? 1 : 0;
            }
        }

        return new BinaryRun(
            posWeight,
            (double)correct / test.Count,
            truePositives + falsePositives == 0 ? 0 : (double)truePositives / (truePositives + falsePositives),
            zeros == 0 ? 0 : (double)truePositives / zeros,
            (double)(test.Count - zeros) / test.Count,
            meanLoss);
    }
}
