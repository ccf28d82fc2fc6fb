namespace StaticGrad;

/// <summary>The element type of a model buffer, as PyTorch stores it in a <c>state_dict</c>.</summary>
public enum BufferElementType
{
    /// <summary>32-bit floats (safetensors <c>F32</c>): a batch norm's <c>running_mean</c> and <c>running_var</c>.</summary>
    Float32,

    /// <summary>64-bit integers (safetensors <c>I64</c>): a batch norm's <c>num_batches_tracked</c>.</summary>
    Int64,
}
