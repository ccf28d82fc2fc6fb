namespace StaticGrad.Generator.Ops;

/// <summary>What a padding op puts around an image: its name is the PyTorch module's prefix (<c>ReflectionPad2d</c>).</summary>
internal enum PadMode
{
    /// <summary><c>nn.ZeroPad2d</c>: zeros.</summary>
    Zero,

    /// <summary><c>nn.ReflectionPad2d</c>: the mirror image of the rows and columns inside the edge.</summary>
    Reflection,

    /// <summary><c>nn.ReplicationPad2d</c>: copies of the edge.</summary>
    Replication,

    /// <summary><c>F.pad(mode='circular')</c>, a convolution's <c>padding_mode='circular'</c>: the plane wrapped around.</summary>
    Circular,
}
