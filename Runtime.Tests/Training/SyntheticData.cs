using StaticGrad.Data;

namespace StaticGrad.Runtime.Tests;

/// <summary>Small learnable datasets from a seeded generator, for the training tests.</summary>
internal static class SyntheticData
{
    /// <summary>
    /// <paramref name="features"/> (at least 6) uniform features in [-1, 1); the class (or a soft target peaked on it) is the
    /// argmax over four classes of a fixed linear map of the first six.
    /// </summary>
    public static InMemoryDataset Classes(int samples, int features = 6, bool probabilities = false, ulong seed = 42)
    {
        var rng = new Rng(seed);
        float[] values = new float[samples * features];
        int[] labels = new int[samples];
        float[] targets = new float[samples * 4];
        for (int i = 0; i < samples; i++)
        {
            int best = 0;
            float bestScore = float.NegativeInfinity;
            for (int f = 0; f < features; f++)
            {
                values[(i * features) + f] = rng.NextSingle(-1, 1);
            }

            for (int c = 0; c < 4; c++)
            {
                float score = values[(i * features) + c] - (0.5f * values[(i * features) + 4 + (c % 2)]);
                if (score > bestScore)
                {
                    (best, bestScore) = (c, score);
                }
            }

            labels[i] = best;
            for (int c = 0; c < 4; c++)
            {
                targets[(i * 4) + c] = c == best ? 0.85f : 0.05f;
            }
        }

        return probabilities ? InMemoryDataset.FromTargets(values, features, targets, 4) : InMemoryDataset.FromLabels(values, features, labels);
    }

    /// <summary>Five features in [-1, 1) and two smooth regression targets in (-1, 1).</summary>
    public static InMemoryDataset Regression(int samples, ulong seed = 42)
    {
        var rng = new Rng(seed);
        float[] values = new float[samples * 5];
        float[] targets = new float[samples * 2];
        for (int i = 0; i < samples; i++)
        {
            for (int f = 0; f < 5; f++)
            {
                values[(i * 5) + f] = rng.NextSingle(-1, 1);
            }

            targets[i * 2] = 0.5f * (values[i * 5] - values[(i * 5) + 1]);
            targets[(i * 2) + 1] = 0.3f * values[(i * 5) + 2] * values[(i * 5) + 3];
        }

        return InMemoryDataset.FromTargets(values, 5, targets, 2);
    }
}
