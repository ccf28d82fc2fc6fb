namespace StaticGrad.Checkpoints;

/// <summary>What <see cref="ModelWeights.Load(ParameterSet, string, WeightsLoadOptions?)"/> tolerates (PyTorch's <c>strict</c> flag, split in two).</summary>
public sealed class WeightsLoadOptions
{
    /// <summary>Strict loading: every model tensor present, nothing else, the default header limit.</summary>
    public static WeightsLoadOptions Strict { get; } = new();

    /// <summary>Whether model tensors absent from the file are allowed (they keep their current values): partial loading, e.g. of a pretrained first layer.</summary>
    public bool AllowMissing { get; init; }

    /// <summary>Whether tensors of the file that the model lacks are allowed (they are ignored).</summary>
    public bool AllowUnexpected { get; init; }

    /// <summary>The largest header length accepted (<see cref="SafeTensorsReader.DefaultMaxHeaderLength"/> by default).</summary>
    public long MaxHeaderLength { get; init; } = SafeTensorsReader.DefaultMaxHeaderLength;
}
