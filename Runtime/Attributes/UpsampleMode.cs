namespace StaticGrad;

/// <summary>How an <see cref="UpsampleAttribute"/> layer fills the new pixels, PyTorch's <c>mode</c>.</summary>
public enum UpsampleMode
{
    /// <summary><c>'nearest'</c> (the default): each input pixel repeated over its block.</summary>
    Nearest,

    /// <summary><c>'bilinear'</c>: the weighted mean of the four input pixels around each output pixel's source position.</summary>
    Bilinear,
}
