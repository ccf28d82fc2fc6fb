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
    /// <summary>
    /// The number of input features of one sample (784 for a flattened 28x28 image). Must be positive for a model of flat
    /// features; a model of images declares <see cref="Channels"/>, <see cref="Height"/> and <see cref="Width"/> instead
    /// (and may give <c>Inputs</c> too, which must then be their product).
    /// </summary>
    public int Inputs { get; set; }

    /// <summary>
    /// The channels of an image input <c>[B, Channels, Height, Width]</c> (1 for grayscale digits). Declare it with
    /// <see cref="Height"/> and <see cref="Width"/>; the model's inputs are then the images' values in NCHW order,
    /// <c>Channels·Height·Width</c> floats per sample.
    /// </summary>
    public int Channels { get; set; }

    /// <summary>The height of an image input, with <see cref="Channels"/> and <see cref="Width"/>.</summary>
    public int Height { get; set; }

    /// <summary>The width of an image input, with <see cref="Channels"/> and <see cref="Height"/>.</summary>
    public int Width { get; set; }

    /// <summary>
    /// Declares an inference-only model whose outputs are the last member's raw values (a regression network deployed
    /// without its loss, an embedding): no loss, no <c>TrainStep</c>, and <c>Forward</c> and <c>Predict</c> return the
    /// outputs as they are. Without it, a model with no loss must end in an output activation (<c>[Softmax]</c>,
    /// <c>[LogSoftmax]</c> or <c>[Sigmoid]</c>), so that a forgotten loss is a compile error (SG0002).
    /// </summary>
    public bool InferenceOnly { get; set; }

    /// <summary>
    /// The name an <see cref="AddAttribute"/> or <see cref="ConcatAttribute"/> uses for the model input:
    /// <c>[Add(ModelAttribute.Input)]</c> adds the input to the previous member's output.
    /// </summary>
    public const string Input = "<input>";
}
