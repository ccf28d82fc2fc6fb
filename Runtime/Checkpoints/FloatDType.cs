namespace StaticGrad.Checkpoints;

/// <summary>The floating-point element type a weights file stores its float tensors in.</summary>
public enum FloatDType
{
    /// <summary>32-bit IEEE floats (<c>F32</c>, <c>torch.float32</c>), the model's own format: exact.</summary>
    F32,

    /// <summary>
    /// 16-bit IEEE half floats (<c>F16</c>, <c>torch.float16</c>): half the size, 11 significant bits, values beyond
    /// ±65504 become infinite and values below about 6e-8 become zero, as PyTorch's <c>tensor.half()</c> rounds.
    /// </summary>
    F16,

    /// <summary>
    /// bfloat16 (<c>BF16</c>, <c>torch.bfloat16</c>): half the size, float's range, 8 significant bits, rounded to
    /// nearest even as PyTorch's <c>tensor.bfloat16()</c>.
    /// </summary>
    BF16,
}
