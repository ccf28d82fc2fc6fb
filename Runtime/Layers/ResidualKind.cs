namespace StaticGrad;

/// <summary>How a <see cref="Residual"/> member combines two outputs.</summary>
public enum ResidualKind
{
    /// <summary>Elementwise sum (<see cref="AddAttribute"/>).</summary>
    Add = 0,

    /// <summary>Concatenation along the features (<see cref="ConcatAttribute"/>).</summary>
    Concat = 1,

    /// <summary>Elementwise product, or an image times one value per channel (<see cref="MultiplyAttribute"/>).</summary>
    Multiply = 2,
}
