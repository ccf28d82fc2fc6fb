using System;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>
/// The compiler's fused classifier head: a model whose 3,000-class head is fused trains like the same model unfused
/// (loss and every gradient within 1e-5, class weights set at run time included), holds no logits in its training
/// arena, and still returns the logits from Forward in both modes.
/// </summary>
public sealed class FusedHeadModelTests
{
    private const int Batch = 6;

    [Fact]
    public void TheFusedStepGivesTheUnfusedLossAndGradients()
    {
        var fused = new WideHeadFused(seed: 2, maxBatch: Batch);
        var unfused = new WideHeadUnfused(seed: 2, maxBatch: Batch);
        (float[] inputs, int[] labels) = Data();
        float[] weights = new float[3000];
        for (int c = 0; c < weights.Length; c++)
        {
            weights[c] = 0.5f + (c % 7 * 0.25f);
        }

        foreach (bool weighted in new[] { false, true })
        {
            if (weighted)
            {
                fused.Loss.SetClassWeights(weights);
                unfused.Loss.SetClassWeights(weights);
            }

            float expected = unfused.TrainStep(inputs, labels, Batch);
            float actual = fused.TrainStep(inputs, labels, Batch);

            Assert.True(Math.Abs(expected - actual) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"loss {actual} vs {expected}");
            ReadOnlySpan<float> g = fused.Parameters.Gradients, h = unfused.Parameters.Gradients;
            float scale = 0f;
            for (int i = 0; i < h.Length; i++)
            {
                scale = Math.Max(scale, Math.Abs(h[i]));
            }

            for (int i = 0; i < g.Length; i++)
            {
                Assert.True(Math.Abs(g[i] - h[i]) <= 1e-5 * scale, $"weighted {weighted}, gradient {i}: {g[i]:R} vs {h[i]:R}");
            }
        }
    }

    [Fact]
    public void TheTrainingArenaHoldsNoLogits_AndForwardStillReturnsThem()
    {
        var fused = new WideHeadFused(seed: 3, maxBatch: Batch);
        var unfused = new WideHeadUnfused(seed: 3, maxBatch: Batch);

        // The unfused arena holds the [B, 3000] logits (their gradient in place); the fused one only 40-wide tensors.
        Assert.True(unfused.Summary.TrainingArenaBytes - fused.Summary.TrainingArenaBytes >= 4L * 3000 * Batch, $"{fused.Summary.TrainingArenaBytes} vs {unfused.Summary.TrainingArenaBytes}");
        (float[] inputs, _) = Data();
        float[] a = new float[Batch * 3000], b = new float[Batch * 3000];
        foreach (ModelMode mode in new[] { ModelMode.Evaluation, ModelMode.Training })
        {
            fused.Mode = mode;
            unfused.Mode = mode;
            fused.Forward(inputs, a, Batch);
            unfused.Forward(inputs, b, Batch);
            Assert.Equal(b, a);
        }
    }

    private static (float[] Inputs, int[] Labels) Data()
    {
        var rng = new Rng(9);
        float[] inputs = new float[Batch * 24];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = rng.NextSingle(-1f, 1f);
        }

        return (inputs, [5, 2999, 7, 1234, 0, 42]);
    }
}
