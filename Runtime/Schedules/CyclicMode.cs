namespace StaticGrad;

/// <summary>How <see cref="CyclicLR"/> scales the height of its cycles (PyTorch's <c>mode</c>, with its default <c>scale_fn</c>).</summary>
public enum CyclicMode
{
    /// <summary><c>'triangular'</c>: every cycle reaches the maximum learning rate.</summary>
    Triangular,

    /// <summary><c>'triangular2'</c>: each cycle's height is half the one before (<c>1 / 2^(cycle − 1)</c>).</summary>
    Triangular2,

    /// <summary><c>'exp_range'</c>: the height is scaled by <c>gamma^step</c>, step by step.</summary>
    ExpRange,
}
