namespace StaticGrad;

/// <summary>What a convolution's padding holds, PyTorch's <c>padding_mode</c> (<see cref="Conv2dAttribute.PaddingMode"/>).</summary>
public enum PaddingMode
{
    /// <summary><c>'zeros'</c> (the default): zeros around the input.</summary>
    Zeros,

    /// <summary><c>'reflect'</c>: the mirror image of the rows and columns inside the edge (<see cref="Kernels.ReflectionPad2d"/>); the padding must be below the input's size.</summary>
    Reflect,

    /// <summary><c>'replicate'</c>: copies of the edge (<see cref="Kernels.ReplicationPad2d"/>).</summary>
    Replicate,

    /// <summary><c>'circular'</c>: the input wrapped around (<see cref="Kernels.CircularPad2d"/>); the padding must be at most the input's size.</summary>
    Circular,
}
