namespace StaticGrad;

/// <summary>Whether <see cref="ReduceLROnPlateau"/>'s metric should go down or up (PyTorch's <c>mode</c>).</summary>
public enum PlateauMode
{
    /// <summary><c>'min'</c>: lower is better (a loss).</summary>
    Min,

    /// <summary><c>'max'</c>: higher is better (an accuracy).</summary>
    Max,
}
