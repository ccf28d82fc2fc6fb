using System;
using Xunit;

namespace StaticGrad.Distributed.Tests;

/// <summary>
/// One data-parallel step equals one process on the global batch for 'mean' losses whose denominator depends on the
/// rows: ignored labels, class weights (with label smoothing), a partial batch, ranks with no rows or only ignored
/// rows; and for a 'sum' loss.
/// </summary>
public sealed class DenominatorTests
{
    private const int Ignored = -100;

    public static TheoryData<string, int[], int> Cases => new()
    {
        { "weighted, some ignored, odd batch", [0, Ignored, 3, 2, Ignored, 1, 1], 2 },
        { "weighted, some ignored, odd batch", [0, Ignored, 3, 2, Ignored, 1, 1], 3 },
        { "one rank holds only ignored rows", [Ignored, Ignored, Ignored, 2, 1, 3], 2 },
        { "fewer rows than ranks", [1, 3], 3 },
        { "one row, three ranks", [2], 3 },
        { "unbalanced classes", [1, 1, 1, 1, 0, 2, 2, 3, 0, 1, 3], 3 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void WeightedSmoothedMeanMatchesOneProcess(string name, int[] labels, int ranks)
    {
        _ = name;
        AssertStepMatchesOneProcess(seed => new WeightedClassifier(seed, 16), m => m.Loss, labels, ranks);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void UnweightedMeanWithIgnoredRowsMatchesOneProcess(string name, int[] labels, int ranks)
    {
        _ = name;
        AssertStepMatchesOneProcess(seed => new PlainClassifier(seed, 16), m => m.Loss, labels, ranks);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SumMatchesOneProcess(string name, int[] labels, int ranks)
    {
        _ = name;
        AssertStepMatchesOneProcess(seed => new SummedClassifier(seed, 16), m => m.Loss, labels, ranks);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DeterministicBlocksMatchOneProcessAndEachOtherAtEveryRankCount(string name, int[] labels, int ranks)
    {
        _ = name;
        float[] alone = AssertStepMatchesOneProcess(seed => new WeightedClassifier(seed, 16), m => m.Loss, labels, 1, block: 2);
        float[] spread = AssertStepMatchesOneProcess(seed => new WeightedClassifier(seed, 16), m => m.Loss, labels, ranks, block: 2);
        Assert.True(Weights.BitIdentical(alone, spread));
    }

    [Fact]
    public void DeterministicModeRefusesGradientsItCannotHoldExactly()
    {
        float[] inputs = Inputs(4);
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] *= 1e6f;
        }

        var error = Assert.Throws<AggregateException>(() => InProcessCommunicator.Run(2, c =>
        {
            var model = new LinearClassifier(5, 16);
            var step = new DataParallel(model, new Sgd(model.Parameters, 0f), c, GradientAveraging.For(model.Loss), deterministicBlockSize: 2);
            return step.StepGlobal(inputs, [0, 1, 2, 3], 4);
        }));
        Assert.Contains("below 1024", error.InnerExceptions[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AveragingTheRanksMeansWouldBeWrong()
    {
        // The test above can fail: the naive mean of the two ranks' own 'mean' gradients is far from one process's.
        int[] labels = [0, Ignored, 3, 2, Ignored, 1, 1];
        float[] inputs = Inputs(labels.Length);
        var whole = new WeightedClassifier(5, 16);
        whole.TrainStep(inputs, labels, labels.Length);
        float[] expected = whole.Parameters.Gradients.ToArray();

        var part = new WeightedClassifier(5, 16);
        float[] naive = new float[expected.Length];
        foreach ((int start, int count) in new[] { (0, 4), (4, 3) })
        {
            part.TrainStep(inputs.AsSpan(start * 5, count * 5), labels.AsSpan(start, count), count);
            for (int i = 0; i < naive.Length; i++)
            {
                naive[i] += part.Parameters.Gradients[i] / 2;
            }
        }

        Assert.True(Weights.RelativeError(naive, expected) > 1e-2, $"naive error {Weights.RelativeError(naive, expected)}");
    }

    [Fact]
    public void EveryRowIgnoredGivesNaNLossAndTheOneProcessGradient()
    {
        int[] labels = [Ignored, Ignored, Ignored, Ignored];
        float[] inputs = Inputs(labels.Length);
        var whole = new PlainClassifier(5, 16);
        float expectedLoss = whole.TrainStep(inputs, labels, labels.Length);
        float[] expected = whole.Parameters.Gradients.ToArray();
        (float Loss, float[] Gradients)[] results = InProcessCommunicator.Run(2, c =>
        {
            var model = new PlainClassifier(5, 16);
            var step = new DataParallel(model, new Sgd(model.Parameters, 0f), c, GradientAveraging.For(model.Loss));
            float loss = step.StepGlobal(inputs, labels, labels.Length);
            return (loss, model.Parameters.Gradients.ToArray());
        });

        Assert.True(float.IsNaN(expectedLoss));
        Assert.All(results, r =>
        {
            Assert.True(float.IsNaN(r.Loss));
            Assert.Equal(expected, r.Gradients);
        });
    }

    [Fact]
    public void SumLossesNeedNoDenominator()
    {
        Assert.False(GradientAveraging.For(new SummedClassifier(1, 4).Loss).IsMean);
        Assert.Equal(1.0, GradientAveraging.Sum.Denominator([Ignored, 1], 2));
        Assert.Equal(3.0, GradientAveraging.MeanOverRows.Denominator([Ignored, 1, 2], 3));
        Assert.Equal(2.0 + 0.5, GradientAveraging.For(new WeightedClassifier(1, 4).Loss).Denominator([Ignored, 1, 2], 3) - 1.0); // w1 + w2 = 3 + 0.5
    }

    private static float[] AssertStepMatchesOneProcess<TModel>(Func<int, TModel> create, Func<TModel, ClassWeightedLoss> loss, int[] labels, int ranks, int block = 0)
        where TModel : IModel
    {
        float[] inputs = Inputs(labels.Length);
        TModel whole = create(5);
        float expectedLoss = whole.TrainStep(inputs, labels, labels.Length);
        float[] expected = whole.Parameters.Gradients.ToArray();

        (float Loss, float[] Gradients)[] results = InProcessCommunicator.Run(ranks, c =>
        {
            TModel model = create(c.Rank == 0 ? 5 : 100 + c.Rank); // other initial weights elsewhere: rank 0's are broadcast
            var step = new DataParallel(model, new Sgd(model.Parameters, 0f), c, GradientAveraging.For(loss(model)), block);
            float value = step.StepGlobal(inputs, labels, labels.Length);
            return (value, model.Parameters.Gradients.ToArray());
        });

        foreach ((float value, float[] gradients) in results)
        {
            Assert.True(Weights.RelativeError(gradients, expected) <= 1e-6, $"gradient error {Weights.RelativeError(gradients, expected):E2}");
            Assert.Equal(expectedLoss, value, 1e-5f);
            Assert.True(Weights.BitIdentical(gradients, results[0].Gradients), "the ranks' gradients differ");
        }

        return results[0].Gradients;
    }

    private static float[] Inputs(int rows)
    {
        var rng = new Rng(11);
        float[] inputs = new float[rows * 5];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = rng.NextSingle(-2f, 2f);
        }

        return inputs;
    }
}
