using System;

namespace StaticGrad;

/// <summary>
/// Marks a <c>partial</c> class as a StaticGrad model. The source generator reads the layer and
/// loss attributes on the class's properties, in declaration order, and emits the forward pass,
/// the fused loss, the backward pass and the parameter storage.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ModelAttribute : Attribute
{
    /// <summary>The number of input features of one sample (784 for a flattened 28x28 image). Must be positive.</summary>
    public int Inputs { get; set; }

    /// <summary>
    /// The name an <see cref="AddAttribute"/> or <see cref="ConcatAttribute"/> uses for the model input:
    /// <c>[Add(ModelAttribute.Input)]</c> adds the input to the previous member's output.
    /// </summary>
    public const string Input = "<input>";
}
