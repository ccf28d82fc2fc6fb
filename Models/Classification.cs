using System;
using StaticGrad.Data;
using StaticGrad.Kernels;

namespace StaticGrad.Models;

/// <summary>How well a classifier does on a labelled dataset: the one evaluation loop every command shares.</summary>
public static class Classification
{
    /// <summary>Counts, for each true class (row), how often each class (column) was predicted.</summary>
    /// <param name="model">The classifier; its predicted class is the argmax of its outputs.</param>
    /// <param name="data">Samples with the model's input size and labels below its output size.</param>
    /// <param name="scratch">Null, or at least <c>MaxBatch * OutputSize</c> floats to reuse for the outputs.</param>
    /// <returns>The <c>OutputSize x OutputSize</c> matrix.</returns>
    /// <exception cref="ArgumentException">A label is not one of the model's classes (the message names the sample).</exception>
    public static int[,] ConfusionMatrix(IInferenceModel model, MnistDataset data, float[]? scratch = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        int classes = model.OutputSize;
        int features = model.InputSize;
        float[] outputs = scratch ?? new float[model.MaxBatch * classes];
        var confusion = new int[classes, classes];
        for (int start = 0; start < data.Count; start += model.MaxBatch)
        {
            int batch = Math.Min(model.MaxBatch, data.Count - start);
            model.Forward(data.Images.Slice(start * features, batch * features), outputs, batch);
            for (int i = 0; i < batch; i++)
            {
                int label = data.Labels[start + i];
                if (label >= classes)
                {
                    throw new ArgumentException($"Label {label} of sample {start + i} is outside the model's {classes} classes.", nameof(data));
                }

                confusion[label, ArgMax.Row(outputs.AsSpan(i * classes, classes))]++;
            }
        }

        return confusion;
    }

    /// <summary>The fraction of samples on the diagonal.</summary>
    /// <param name="confusion">A confusion matrix.</param>
    /// <returns>Accuracy in [0, 1] (NaN for an empty matrix).</returns>
    public static double Accuracy(int[,] confusion)
    {
        ArgumentNullException.ThrowIfNull(confusion);
        long correct = 0, total = 0;
        for (int t = 0; t < confusion.GetLength(0); t++)
        {
            for (int p = 0; p < confusion.GetLength(1); p++)
            {
                total += confusion[t, p];
            }

            correct += confusion[t, t];
        }

        return (double)correct / total;
    }

    /// <summary>The fraction of the samples of class <paramref name="label"/> predicted as that class.</summary>
    /// <param name="confusion">A confusion matrix.</param>
    /// <param name="label">The true class.</param>
    /// <returns>Recall in [0, 1], NaN when the class has no samples.</returns>
    public static double Recall(int[,] confusion, int label)
    {
        ArgumentNullException.ThrowIfNull(confusion);
        long total = 0;
        for (int p = 0; p < confusion.GetLength(1); p++)
        {
            total += confusion[label, p];
        }

        return total == 0 ? double.NaN : (double)confusion[label, label] / total;
    }
}
