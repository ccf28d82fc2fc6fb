namespace StaticGrad;

/// <summary>How per-sample losses are combined into the value a training step returns (PyTorch's <c>reduction</c>).</summary>
public enum Reduction
{
    /// <summary>The mean over the samples of the batch (PyTorch's default, <c>'mean'</c>).</summary>
    Mean = 0,

    /// <summary>The sum over the samples of the batch (<c>'sum'</c>).</summary>
    Sum = 1,
}
