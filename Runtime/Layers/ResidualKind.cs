namespace StaticGrad;

/// <summary>How a <see cref="Residual"/> member combines two outputs.</summary>
public enum ResidualKind
{
    /// <summary>Elementwise sum (<see cref="AddAttribute"/>).</summary>
    Add = 0,

    /// <summary>Concatenation along the features (<see cref="ConcatAttribute"/>).</summary>
    Concat = 1,
}
