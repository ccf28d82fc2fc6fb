using System;
using System.Collections.Generic;
using System.Linq;
using StaticGrad.Data;
using StaticGrad.Runtime.Tests.Models;
using StaticGrad.Training;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary><see cref="Trainer"/>: fit, evaluate and predict for each model kind, the allocation-free step loop, argument checks.</summary>
public sealed class TrainerTests
{
    [Fact]
    public void Fit_LabelModel_LearnsAndValidatesEveryEpoch()
    {
        var model = new EveryOpModel(seed: 1, maxBatch: 16);
        InMemoryDataset validation = SyntheticData.Classes(64, features: 12, seed: 9);
        var trainer = new Trainer(model, new Adam(model.Parameters, 1e-2f), new DataLoader(SyntheticData.Classes(200, features: 12), 16, seed: 3), new TrainerOptions { Validation = validation });
        Evaluation before = trainer.Evaluate(validation);

        StopReason reason = trainer.Fit(8);

        Assert.Equal(StopReason.Completed, reason);
        Assert.Equal(8, trainer.EpochsCompleted);
        Assert.Equal(8 * 13, trainer.StepsCompleted);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], [.. trainer.History.Select(m => m.Epoch)]);
        EpochMetrics last = trainer.History[^1];
        Assert.True(last.ValidationLoss < before.Loss / 2, $"validation loss {before.Loss} -> {last.ValidationLoss}");
        Assert.True(last.ValidationAccuracy > 0.8 && last.ValidationAccuracy > before.Accuracy, $"validation accuracy {before.Accuracy} -> {last.ValidationAccuracy}");
        Assert.True(trainer.History[^1].TrainingLoss < trainer.History[0].TrainingLoss);
        Assert.Equal(trainer.Evaluate(validation), new Evaluation(last.ValidationLoss, last.ValidationAccuracy, 64));
    }

    [Fact]
    public void Fit_RegressionModel_ReducesValidationMse()
    {
        var model = new TanhRegressor(seed: 1, maxBatch: 8);
        InMemoryDataset validation = SyntheticData.Regression(40, seed: 5);
        var trainer = new Trainer(model, new Sgd(model.Parameters, 0.1f, momentum: 0.9f), new DataLoader(SyntheticData.Regression(120), 8, seed: 3), new TrainerOptions { Validation = validation });
        double before = trainer.Evaluate(validation).Loss;

        trainer.Fit(10);

        Assert.True(trainer.History[^1].ValidationLoss < before / 3, $"validation MSE {before} -> {trainer.History[^1].ValidationLoss}");
        Assert.True(double.IsNaN(trainer.History[^1].ValidationAccuracy));
    }

    [Fact]
    public void Evaluate_IsTheMeanCrossEntropyOfPredictAndTheArgmaxAccuracy()
    {
        var model = new NllModel(seed: 4, maxBatch: 8);
        InMemoryDataset data = SyntheticData.Classes(21);
        var trainer = new Trainer(model, new Sgd(model.Parameters, 0.1f), new DataLoader(data, 8, seed: 1));
        float[] probabilities = new float[21 * 4];
        trainer.Predict(data.FeatureValues, probabilities);

        double loss = 0;
        int correct = 0;
        float[] batch = new float[8 * 4];
        for (int start = 0; start < 21; start += 8)
        {
            int count = Math.Min(8, 21 - start);
            model.Predict(data.FeatureValues.Slice(start * 6, count * 6), batch, count);
            Assert.Equal(batch.AsSpan(0, count * 4).ToArray(), probabilities.AsSpan(start * 4, count * 4).ToArray());
            for (int i = 0; i < count; i++)
            {
                float[] row = batch.AsSpan(i * 4, 4).ToArray();
                int label = data.Labels[start + i];
                loss -= Math.Log(Math.Max(row[label], Trainer.MinProbability));
                correct += Array.IndexOf(row, row.Max()) == label ? 1 : 0;
            }
        }

        Evaluation evaluation = trainer.Evaluate(data);
        Assert.Equal(loss / 21, evaluation.Loss, 12);
        Assert.Equal(correct / 21.0, evaluation.Accuracy);
        Assert.Equal(21, evaluation.Count);
    }

    [Fact]
    public void Evaluate_TargetModel_IsItsMseLossOfForward()
    {
        var model = new TanhRegressor(seed: 2, maxBatch: 4);
        InMemoryDataset data = SyntheticData.Regression(11);
        var trainer = new Trainer(model, new Sgd(model.Parameters, 0.1f), new DataLoader(data, 4, seed: 1));
        float[] outputs = new float[22];
        for (int start = 0; start < 11; start += 4)
        {
            int batch = Math.Min(4, 11 - start);
            model.Forward(data.FeatureValues.Slice(start * 5, batch * 5), outputs.AsSpan(start * 2, batch * 2), batch);
        }

        Assert.Equal(RegressionMetrics.MeanSquaredError(data.TargetValues, outputs), trainer.Evaluate(data).Loss, 6);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Evaluate_BinaryCrossEntropyModel_IsItsOwnLoss_PerSample(bool weightedSum)
    {
        // PyTorch's BCEWithLogitsLoss per element: -w [pw·y·log σ(x) + (1 - y)·log(1 - σ(x))]; the mean over the elements
        // (the mean-reduced one-logit model), or per sample the sum over its outputs (the weighted, sum-reduced model).
        IProbabilityTargetModel model = weightedSum ? new MultiLabelModel(seed: 3, maxBatch: 4) : new OneLogitModel(seed: 3, maxBatch: 4);
        int outputs = model.OutputSize;
        float[] w = weightedSum ? [1f, 0.5f, 2f] : [1f], pw = weightedSum ? [3f, 1f, 0.25f] : [1f];
        var rng = new Rng(9);
        float[] features = [.. Enumerable.Range(0, 11 * 6).Select(_ => rng.NextSingle(-2, 2))];
        float[] targets = [.. Enumerable.Range(0, 11 * outputs).Select(_ => rng.NextSingle(0, 1) < 0.5f ? 0f : 1f)];
        InMemoryDataset data = InMemoryDataset.FromTargets(features, 6, targets, outputs);
        var trainer = new Trainer(model, new Sgd(model.Parameters, 0.1f), new DataLoader(data, 4, seed: 1));
        float[] logits = new float[11 * outputs];
        for (int start = 0; start < 11; start += 4)
        {
            int batch = Math.Min(4, 11 - start);
            model.Forward(features.AsSpan(start * 6, batch * 6), logits.AsSpan(start * outputs, batch * outputs), batch);
        }

        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            double x = logits[i], y = targets[i], j = i % outputs;
            double logSigmoid = -Math.Log(1 + Math.Exp(-x)), logOneMinus = -Math.Log(1 + Math.Exp(x));
            sum -= w[(int)j] * ((pw[(int)j] * y * logSigmoid) + ((1 - y) * logOneMinus));
        }

        double expected = weightedSum ? sum / 11 : sum / logits.Length;
        Assert.Equal(expected, trainer.Evaluate(data).Loss, 5);
        Assert.True(double.IsNaN(trainer.Evaluate(data).Accuracy));
        Assert.Equal("outputs", Assert.Throws<ArgumentException>(() => model.EvaluateLoss(new float[outputs - 1 + outputs], targets.AsSpan(0, 2 * outputs), 2)).ParamName);
    }

    [Fact]
    public void StepLoop_AllocatesNothing_WithScheduleClippingProgressAndCallbacks()
    {
        var model = new NllModel(seed: 1, maxBatch: 8);
        var optimizer = new Sgd(model.Parameters, 0.1f, momentum: 0.9f);
        var recorder = new AllocationRecorder(steps: 3 * 25);
        var options = new TrainerOptions
        {
            Scheduler = new OneCycleLR(optimizer, 0.5, totalSteps: 3 * 25),
            SchedulerInterval = SchedulerInterval.Step,
            ClipGradNorm = 1f,
            Callbacks = [recorder],
            Progress = new CountingProgress(),
        };
        var trainer = new Trainer(model, optimizer, new DataLoader(SyntheticData.Classes(200), 8, seed: 1), options);

        trainer.Fit(3);

        // Between two steps of one epoch runs exactly the step loop; the first steps warm up the JIT.
        Assert.Equal(0, recorder.AllocatedBetweenSteps(from: 26, to: 3 * 25));
    }

    [Fact]
    public void Constructor_RejectsWhatDoesNotFit()
    {
        var labels = SyntheticData.Classes(20);
        var targets = SyntheticData.Classes(20, probabilities: true);
        var nll = new NllModel(seed: 1, maxBatch: 8);
        var sgd = new Sgd(nll.Parameters, 0.1f);

        var inference = new SoftmaxInferenceModel(seed: 1, maxBatch: 8);
        Assert.Equal("model", Assert.Throws<ArgumentException>(() => new Trainer(inference, new Sgd(inference.Parameters, 0.1f), new DataLoader(labels, 8, 1))).ParamName);
        Assert.Equal("train", Assert.Throws<ArgumentException>(() => new Trainer(nll, sgd, new DataLoader(targets, 8, 1))).ParamName);
        Assert.Equal("train", Assert.Throws<ArgumentException>(() => new Trainer(nll, sgd, new DataLoader(labels, 9, 1))).ParamName);
        var soft = new SoftTargetModel(seed: 1, maxBatch: 8);
        Assert.Equal("train", Assert.Throws<ArgumentException>(() => new Trainer(soft, new Sgd(soft.Parameters, 0.1f), new DataLoader(labels, 8, 1))).ParamName);

        ArgumentException noValidation = Assert.Throws<ArgumentException>(() => new Trainer(nll, sgd, new DataLoader(labels, 8, 1), new TrainerOptions { EarlyStopping = new EarlyStopping() }));
        Assert.Equal("options", noValidation.ParamName);
        Assert.Contains("ValidationLoss", noValidation.Message, StringComparison.Ordinal);
        ArgumentException accuracy = Assert.Throws<ArgumentException>(() => new Trainer(soft, new Sgd(soft.Parameters, 0.1f), new DataLoader(targets, 8, 1), new TrainerOptions { Validation = targets, EarlyStopping = new EarlyStopping(MonitoredMetric.ValidationAccuracy) }));
        Assert.Contains("ValidationAccuracy", accuracy.Message, StringComparison.Ordinal);
        Assert.Contains("CheckpointEvery", Assert.Throws<ArgumentException>(() => new Trainer(nll, sgd, new DataLoader(labels, 8, 1), new TrainerOptions { CheckpointEvery = 0 })).Message, StringComparison.Ordinal);
        Assert.Contains("ClipGradNorm", Assert.Throws<ArgumentException>(() => new Trainer(nll, sgd, new DataLoader(labels, 8, 1), new TrainerOptions { ClipGradNorm = float.NaN })).Message, StringComparison.Ordinal);
        Assert.Contains("trainer.", Assert.Throws<ArgumentException>(() => new Trainer(nll, sgd, new DataLoader(labels, 8, 1), new TrainerOptions { CheckpointMetadata = new Dictionary<string, string> { ["trainer.x"] = "1" } })).Message, StringComparison.Ordinal);
        var other = new Sgd(new NllModel(seed: 2, maxBatch: 8).Parameters, 0.1f);
        Assert.Contains("another optimizer", Assert.Throws<ArgumentException>(() => new Trainer(nll, sgd, new DataLoader(labels, 8, 1), new TrainerOptions { Scheduler = new StepLR(other, 1) })).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer(nll, sgd, new DataLoader(labels, 8, 1)).Fit(0));
    }

    /// <summary>Records the bytes allocated on this thread at every step into an array allocated up front.</summary>
    private sealed class AllocationRecorder(int steps) : ITrainingCallback
    {
        private readonly long[] _allocated = new long[steps + 1];

        public void OnStep(Trainer trainer, in TrainingStep step) => _allocated[step.GlobalStep] = GC.GetAllocatedBytesForCurrentThread();

        public void OnEpochEnd(Trainer trainer, EpochMetrics metrics)
        {
        }

        /// <summary>The bytes allocated between consecutive steps of the same epoch, summed over [from, to].</summary>
        public long AllocatedBetweenSteps(int from, int to)
        {
            long total = 0;
            for (int s = from + 1; s <= to; s++)
            {
                if ((s - 1) % 25 != 0)
                {
                    total += _allocated[s] - _allocated[s - 1];
                }
            }

            return total;
        }
    }
}
