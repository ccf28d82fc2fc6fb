using System.Collections.Generic;

namespace StaticGrad.Checkpoints;

/// <summary>What a weights load did (PyTorch's <c>missing_keys</c> and <c>unexpected_keys</c>).</summary>
public sealed class WeightsLoadResult
{
    internal WeightsLoadResult(List<string> loaded, List<string> missing, List<string> unexpected, List<string> converted, IReadOnlyDictionary<string, string> metadata)
    {
        Loaded = loaded;
        Converted = converted;
        Missing = missing;
        Unexpected = unexpected;
        Metadata = metadata;
    }

    /// <summary>The model tensors that were overwritten from the file, in model order.</summary>
    public IReadOnlyList<string> Loaded { get; }

    /// <summary>The model tensors the file lacks (kept as they were; only with <see cref="WeightsLoadOptions.AllowMissing"/>).</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>The loaded model tensors whose file dtype was <c>F16</c>, <c>BF16</c> or <c>F64</c> and was converted to <c>F32</c>, in model order.</summary>
    public IReadOnlyList<string> Converted { get; }

    /// <summary>The file's tensors the model lacks (ignored; only with <see cref="WeightsLoadOptions.AllowUnexpected"/>), by their names in the file. A training checkpoint's optimizer tensors are not listed.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>The file's <c>__metadata__</c>.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
}
