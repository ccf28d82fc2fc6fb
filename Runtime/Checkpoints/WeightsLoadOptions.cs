using System.Collections.Generic;

namespace StaticGrad.Checkpoints;

/// <summary>
/// What <see cref="ModelWeights.Load(ParameterSet, string, WeightsLoadOptions?)"/> tolerates (PyTorch's <c>strict</c>
/// flag, split in two), how the file's keys map to the model's, and whether other float types are converted.
/// </summary>
/// <remarks>
/// Each tensor of the file is matched by its key after remapping: a key in <see cref="KeyMap"/> takes the mapped
/// name as is; any other key loses <see cref="StripPrefix"/> if it starts with it (keys without it are kept, like
/// PyTorch's <c>consume_prefix_in_state_dict_if_present</c>) and then gains <see cref="AddPrefix"/>. Two file keys
/// that map to the same name are refused.
/// </remarks>
public sealed class WeightsLoadOptions
{
    /// <summary>Strict loading: every model tensor present, nothing else, keys as they are, F16/BF16/F64 converted, the default header limit.</summary>
    public static WeightsLoadOptions Strict { get; } = new();

    /// <summary>Whether model tensors absent from the file are allowed (they keep their current values): partial loading, e.g. of a pretrained first layer.</summary>
    public bool AllowMissing { get; init; }

    /// <summary>Whether tensors of the file that the model lacks are allowed (they are ignored).</summary>
    public bool AllowUnexpected { get; init; }

    /// <summary>
    /// A prefix removed from the file's keys that start with it: <c>"module."</c> loads a <c>state_dict</c> saved from
    /// <c>nn.DataParallel</c> or <c>DistributedDataParallel</c> (<c>module.fc1.weight</c> -> <c>fc1.weight</c>). Null or
    /// empty for none.
    /// </summary>
    public string? StripPrefix { get; init; }

    /// <summary>
    /// A prefix put before the file's keys (after <see cref="StripPrefix"/>): <c>"backbone."</c> loads a bare
    /// <c>state_dict</c> into layers named <c>backbone.0</c>, ... Null or empty for none.
    /// </summary>
    public string? AddPrefix { get; init; }

    /// <summary>
    /// Explicit renames, file key -> model tensor name (<c>["classifier.weight"] = "fc2.weight"</c>); a key found here
    /// is not touched by the prefixes. Null for none. Every value must be a name (not null or empty): loading refuses
    /// the options otherwise, before it reads the file.
    /// </summary>
    public IReadOnlyDictionary<string, string>? KeyMap { get; init; }

    /// <summary>
    /// Whether <c>F16</c>, <c>BF16</c> and <c>F64</c> tensors are converted to the model's <c>F32</c> (true, the
    /// default: PyTorch's <c>load_state_dict</c> copies across float types the same way, <c>tensor.float()</c>); false
    /// refuses any tensor that is not <c>F32</c>.
    /// </summary>
    public bool ConvertFloatTypes { get; init; } = true;

    /// <summary>The largest header length accepted (<see cref="SafeTensorsReader.DefaultMaxHeaderLength"/> by default).</summary>
    public long MaxHeaderLength { get; init; } = SafeTensorsReader.DefaultMaxHeaderLength;

    /// <summary>Whether any key remapping is set.</summary>
    internal bool RemapsKeys => !string.IsNullOrEmpty(StripPrefix) || !string.IsNullOrEmpty(AddPrefix) || KeyMap is { Count: > 0 };

    /// <summary>Throws, naming <paramref name="paramName"/>, if a <see cref="KeyMap"/> entry maps a key to null or an empty name (no model tensor has either).</summary>
    internal void Validate(string paramName)
    {
        if (KeyMap is null)
        {
            return;
        }

        foreach (KeyValuePair<string, string> entry in KeyMap)
        {
            if (string.IsNullOrEmpty(entry.Value))
            {
                throw new System.ArgumentException(
                    $"WeightsLoadOptions.KeyMap maps file key '{SafeTensorsReader.Shown(entry.Key)}' to {(entry.Value is null ? "null" : "an empty name")}; expected the model tensor name it loads into (e.g. 'fc2.weight'), or no entry for that key.",
                    paramName);
            }
        }
    }

    /// <summary>The model tensor name the file key <paramref name="fileKey"/> loads into.</summary>
    internal string ModelNameOf(string fileKey)
    {
        if (KeyMap is not null && KeyMap.TryGetValue(fileKey, out string? mapped))
        {
            return mapped;
        }

        string name = !string.IsNullOrEmpty(StripPrefix) && fileKey.StartsWith(StripPrefix, System.StringComparison.Ordinal) ? fileKey[StripPrefix.Length..] : fileKey;
        return string.IsNullOrEmpty(AddPrefix) ? name : AddPrefix + name;
    }
}
