using System;

namespace StaticGrad;

/// <summary>
/// Declares a fully connected layer, <c>y = x W^T + b</c>, like PyTorch's <c>nn.Linear</c>.
/// Its input size is the previous layer's output size (or the model's <see cref="ModelAttribute.Inputs"/>).
/// The weight is stored as <c>[outputs, inputs]</c>, PyTorch's layout.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class LinearAttribute : Attribute
{
    /// <summary>Declares a layer with <paramref name="outputs"/> output features.</summary>
    /// <param name="outputs">The number of output features; must be positive.</param>
    public LinearAttribute(int outputs) => Outputs = outputs;

    /// <summary>The number of output features.</summary>
    public int Outputs { get; }

    /// <summary>Whether the layer has a bias (PyTorch's <c>bias=True</c>, the default); without one, <c>y = x W^T</c>.</summary>
    public bool Bias { get; set; } = true;

    /// <summary>
    /// The layer's <c>state_dict</c> name, instead of the member's name in snake_case: <c>Name = "0"</c> gives
    /// <c>0.weight</c> and <c>0.bias</c>, so an <c>nn.Sequential</c> state_dict loads as is; a dotted path such as
    /// <c>"features.0"</c> matches a nested module. Segments of letters, digits, <c>_</c> and <c>-</c>, separated by
    /// single dots; unique in the model (diagnostic SG0035 otherwise). Null (the default) keeps the member's name.
    /// </summary>
    public string? Name { get; set; }
}
