namespace StaticGrad;

/// <summary>How <see cref="OneCycleLR"/> moves between two learning rates (PyTorch's <c>anneal_strategy</c>).</summary>
public enum AnnealStrategy
{
    /// <summary><c>'cos'</c>: <c>end + (start − end)/2 · (1 + cos(π·pct))</c>.</summary>
    Cosine,

    /// <summary><c>'linear'</c>: <c>(end − start)·pct + start</c>.</summary>
    Linear,
}
