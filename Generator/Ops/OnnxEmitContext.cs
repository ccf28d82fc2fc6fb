using System.Collections.Generic;
using System.Linq;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// What an op's ONNX lowering writes with: the C# expressions of its input tensors (names in the graph being built), their
/// shapes, and the <c>state_dict</c> names of its parameters and buffers, which are the graph's initializers. An op
/// returns one C# expression of builder calls (<c>onnx.Conv(x, "conv1.weight", ...)</c>) that yields its output tensor.
/// </summary>
internal sealed class OnnxEmitContext
{
    /// <summary>The builder local of the generated <c>ToOnnx</c> method.</summary>
    public const string Builder = "onnx";

    private readonly IReadOnlyDictionary<string, string> _names;

    public OnnxEmitContext(IReadOnlyList<string> inputs, IReadOnlyList<TensorShape> inputShapes, TensorShape outputShape, IReadOnlyDictionary<string, string> names)
    {
        Inputs = inputs;
        InputShapes = inputShapes;
        OutputShape = outputShape;
        _names = names;
    }

    /// <summary>The expressions of the input tensors.</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>The first input.</summary>
    public string Input => Inputs[0];

    /// <summary>The per-sample shape of each input.</summary>
    public IReadOnlyList<TensorShape> InputShapes { get; }

    /// <summary>The per-sample shape of the output.</summary>
    public TensorShape OutputShape { get; }

    /// <summary>The string literal of a parameter's or buffer's <c>state_dict</c> name (<c>"conv1.weight"</c>).</summary>
    public string Name(string suffix) => OpEmitContext.Literal(_names[suffix]);

    /// <summary><see cref="Name"/>, or <c>null</c> when the op has no such tensor (a layer without bias).</summary>
    public string NameOrNull(string suffix) => _names.ContainsKey(suffix) ? Name(suffix) : "null";

    /// <summary>A builder call: <c>onnx.Method(arguments)</c>.</summary>
    public static string Call(string method, params string[] arguments) => $"{Builder}.{method}({string.Join(", ", arguments)})";

    /// <summary><paramref name="expression"/> followed by a fused activation, if any.</summary>
    public static string Activated(string expression, ActivationKind fused)
        => fused == ActivationKind.None ? expression : Call("Activation", expression, $"{OpEmitContext.Kernels}.Activation.{fused}");

    /// <summary>The feature dimensions of a shape, as builder arguments (<c>1, 28, 28</c>).</summary>
    public static string Dimensions(TensorShape shape)
        => shape.IsImage ? string.Join(", ", new[] { shape.Channels, shape.Height, shape.Width }.Select(OpEmitContext.Int)) : OpEmitContext.Int(shape.Channels);
}
