namespace StaticGrad.Data;

/// <summary>How a <see cref="DataLoader"/> draws the samples of an epoch.</summary>
public enum DataSampling
{
    /// <summary>Every sample once, in the dataset's order (PyTorch's <c>SequentialSampler</c>, <c>shuffle=False</c>).</summary>
    Sequential,

    /// <summary>Every sample once, in a new random order each epoch (PyTorch's <c>RandomSampler</c>, <c>shuffle=True</c>).</summary>
    Shuffled,

    /// <summary>Samples drawn with probability proportional to their weights, independently, so a sample can come several times or not at all (PyTorch's <c>WeightedRandomSampler</c> with <c>replacement=True</c>).</summary>
    WeightedWithReplacement,

    /// <summary>Distinct samples drawn one after another with probability proportional to the weights of those not drawn yet (PyTorch's <c>WeightedRandomSampler</c> with <c>replacement=False</c>).</summary>
    WeightedWithoutReplacement,
}
