using System;
using System.Linq;
using StaticGrad.Data;
using StaticGrad.Runtime.Tests.Models;
using StaticGrad.Training;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// Whole-dataset evaluation runs in eval mode whatever mode the model was left in (Keras' <c>evaluate</c>/<c>predict</c>
/// with <c>training=False</c>): the same numbers as in eval mode, call after call, batch norm's running statistics and
/// counter untouched, dropout's generator not advanced, and the model's mode put back.
/// </summary>
public sealed class EvalModeTests
{
    private static (ModalClassifier Model, Trainer Trainer, InMemoryDataset Data) Trained()
    {
        var model = new ModalClassifier(seed: 3, maxBatch: 16);
        var trainer = new Trainer(model, new Adam(model.Parameters, 1e-2f), new DataLoader(SyntheticData.Classes(96), 16, seed: 5));
        trainer.Fit(2);
        return (model, trainer, SyntheticData.Classes(40, seed: 11));
    }

    private static float[] Buffers(ModalClassifier model) => model.Parameters.BufferValues.ToArray();

    private static long[] Cells(ConfusionMatrix m) => [.. Enumerable.Range(0, m.Classes * m.Classes).Select(i => m[i / m.Classes, i % m.Classes])];

    [Fact]
    public void Evaluate_OfAModelInTrainingMode_IsItsEvalModeEvaluation_AndMovesNothing()
    {
        (ModalClassifier model, Trainer trainer, InMemoryDataset data) = Trained();
        Assert.Equal(ModelMode.Evaluation, model.Mode);
        Evaluation expected = trainer.Evaluate(data);
        float[] buffers = Buffers(model);
        long counter = model.Parameters.CountersOf(model.Parameters.Buffers.Single(b => b.Name == "norm.num_batches_tracked"))[0];
        (uint, uint, uint, uint) generator = model.DropoutGenerator.GetState();

        model.Mode = ModelMode.Training;
        Evaluation first = trainer.Evaluate(data);
        Evaluation second = trainer.Evaluate(data);

        Assert.Equal(expected, first);
        Assert.Equal(expected, second);
        Assert.Equal(ModelMode.Training, model.Mode);
        Assert.Equal(buffers, Buffers(model));
        Assert.Equal(counter, model.Parameters.CountersOf(model.Parameters.Buffers.Single(b => b.Name == "norm.num_batches_tracked"))[0]);
        Assert.Equal(generator, model.DropoutGenerator.GetState());
    }

    [Fact]
    public void PredictAndConfusionMatrix_OfAModelInTrainingMode_AreEvalModes()
    {
        (ModalClassifier model, Trainer trainer, InMemoryDataset data) = Trained();
        float[] expected = new float[data.Count * 4];
        Inference.Predict(model, data.FeatureValues, expected);
        ConfusionMatrix expectedMatrix = Inference.ConfusionMatrix(model, data);
        float[] buffers = Buffers(model);

        model.Mode = ModelMode.Training;
        float[] viaInference = new float[data.Count * 4];
        float[] viaTrainer = new float[data.Count * 4];
        Inference.Predict(model, data.FeatureValues, viaInference);
        trainer.Predict(data.FeatureValues, viaTrainer);
        ConfusionMatrix matrix = Inference.ConfusionMatrix(model, data);

        Assert.Equal(expected, viaInference);
        Assert.Equal(expected, viaTrainer);
        Assert.Equal(Cells(expectedMatrix), Cells(matrix));
        Assert.Equal(ModelMode.Training, model.Mode);
        Assert.Equal(buffers, Buffers(model));

        // The model's own Predict still honours its mode: in training mode it uses the batch's statistics and drops.
        float[] trainingMode = new float[16 * 4];
        model.Predict(data.FeatureValues[..(16 * 6)], trainingMode, 16);
        Assert.NotEqual(expected[..(16 * 4)], trainingMode);
    }

    [Fact]
    public void Fit_ValidatesInEvalMode_WhileTheModelIsInTrainingMode()
    {
        var reference = new ModalClassifier(seed: 3, maxBatch: 16);
        var model = new ModalClassifier(seed: 3, maxBatch: 16);
        model.Mode = ModelMode.Training;
        InMemoryDataset train = SyntheticData.Classes(96), validation = SyntheticData.Classes(40, seed: 11);
        var options = new TrainerOptions { Validation = validation };
        var expected = new Trainer(reference, new Adam(reference.Parameters, 1e-2f), new DataLoader(train, 16, seed: 5), options);
        var actual = new Trainer(model, new Adam(model.Parameters, 1e-2f), new DataLoader(train, 16, seed: 5), new TrainerOptions { Validation = validation });

        expected.Fit(3);
        actual.Fit(3);

        Assert.Equal(expected.History.Select(m => (m.ValidationLoss, m.ValidationAccuracy)), actual.History.Select(m => (m.ValidationLoss, m.ValidationAccuracy)));
        Assert.Equal(reference.Parameters.Values.ToArray(), model.Parameters.Values.ToArray());
        Assert.Equal(Buffers(reference), Buffers(model));
    }
}
