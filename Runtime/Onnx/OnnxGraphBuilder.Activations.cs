using System;
using StaticGrad.Kernels;
using StaticGrad.Onnx.Proto;

namespace StaticGrad.Onnx;

/// <summary>The elementwise activations, each with PyTorch's formula in opset 17's ops.</summary>
public sealed partial class OnnxGraphBuilder
{
    /// <summary>
    /// The activation of the runtime's <see cref="Kernels.Activation"/> kind (what a generated layer declares):
    /// <see cref="Kernels.Activation.None"/> returns <paramref name="input"/> unchanged.
    /// </summary>
    /// <param name="input">A tensor.</param>
    /// <param name="activation">The kind.</param>
    /// <param name="alpha">LeakyReLU's negative slope, ELU's alpha, Softplus's beta; ignored by the others.</param>
    /// <param name="threshold">Softplus's threshold; ignored by the others.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The activated tensor.</returns>
    public string Activation(string input, Activation activation, float alpha = 0f, float threshold = 20f, string? output = null) => activation switch
    {
        Kernels.Activation.None => output is null ? input : Identity(input, output),
        Kernels.Activation.ReLU => Relu(input, output),
        Kernels.Activation.Sigmoid => Sigmoid(input, output),
        Kernels.Activation.Tanh => Tanh(input, output),
        Kernels.Activation.LeakyReLU => LeakyRelu(input, alpha, output),
        Kernels.Activation.ELU => Elu(input, alpha, output),
        Kernels.Activation.GELU => Gelu(input, output),
        Kernels.Activation.GELUTanh => GeluTanh(input, output),
        Kernels.Activation.SiLU => Silu(input, output),
        Kernels.Activation.Softplus => Softplus(input, alpha, threshold, output),
        Kernels.Activation.Hardswish => HardSwish(input, output),
        Kernels.Activation.ReLU6 => Relu6(input, output),
        Kernels.Activation.Hardsigmoid => HardSigmoid(input, output),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };

    /// <summary><c>nn.ReLU</c>: <c>Relu</c>.</summary>
    /// <param name="input">A tensor.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The activated tensor.</returns>
    public string Relu(string input, string? output = null) => Node("Relu", [input], [], output);

    /// <summary><c>nn.Sigmoid</c>: <c>Sigmoid</c>.</summary>
    /// <param name="input">A tensor.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The activated tensor.</returns>
    public string Sigmoid(string input, string? output = null) => Node("Sigmoid", [input], [], output);

    /// <summary><c>nn.Tanh</c>: <c>Tanh</c>.</summary>
    /// <param name="input">A tensor.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The activated tensor.</returns>
    public string Tanh(string input, string? output = null) => Node("Tanh", [input], [], output);

    /// <summary><c>nn.LeakyReLU(negative_slope)</c>: <c>LeakyRelu(alpha)</c>.</summary>
    /// <param name="input">A tensor.</param>
    /// <param name="negativeSlope">The slope below zero.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The activated tensor.</returns>
    public string LeakyRelu(string input, float negativeSlope, string? output = null) => Node("LeakyRelu", [input], [AttributeProto.Of("alpha", negativeSlope)], output);

    /// <summary><c>nn.ELU(alpha)</c>: <c>Elu(alpha)</c>.</summary>
    /// <param name="input">A tensor.</param>
    /// <param name="alpha">The saturation value below zero.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The activated tensor.</returns>
    public string Elu(string input, float alpha, string? output = null) => Node("Elu", [input], [AttributeProto.Of("alpha", alpha)], output);

    /// <summary>
    /// <c>nn.GELU()</c>, exact: <c>0.5 · x · (1 + erf(x / √2))</c> with <c>Div</c>, <c>Erf</c>, <c>Add</c>, <c>Mul</c>
    /// (opset 17 has no Gelu; it came with opset 20).
    /// </summary>
    /// <param name="input">A tensor.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The activated tensor.</returns>
    public string Gelu(string input, string? output = null) => Operation(() =>
    {
        string erf = Node("Erf", [Node("Div", [input, Scalar(MathF.Sqrt(2f))], [])], []);
        string half = Node("Mul", [input, Scalar(0.5f)], []);
        return Node("Mul", [half, Node("Add", [erf, Scalar(1f)], [])], [], output);
    });

    /// <summary>
    /// <c>nn.GELU(approximate='tanh')</c>: <c>0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))</c>.
    /// </summary>
    /// <param name="input">A tensor.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The activated tensor.</returns>
    public string GeluTanh(string input, string? output = null) => Operation(() =>
    {
        string cube = Node("Mul", [Node("Mul", [input, input], []), input], []);
        string inner = Node("Add", [input, Node("Mul", [cube, Scalar(0.044715f)], [])], []);
        string tanh = Node("Tanh", [Node("Mul", [inner, Scalar(MathF.Sqrt(2f / MathF.PI))], [])], []);
        string half = Node("Mul", [input, Scalar(0.5f)], []);
        return Node("Mul", [half, Node("Add", [tanh, Scalar(1f)], [])], [], output);
    });

    /// <summary><c>nn.SiLU</c>: <c>x · sigmoid(x)</c>.</summary>
    /// <param name="input">A tensor.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The activated tensor.</returns>
    public string Silu(string input, string? output = null) => Operation(() => Node("Mul", [input, Sigmoid(input)], [], output));

    /// <summary>
    /// <c>nn.Softplus(beta, threshold)</c>: <c>log(1 + e^(beta·x)) / beta</c>, and <c>x</c> itself where
    /// <c>beta·x &gt; threshold</c> (<c>Where(Greater(...), x, Softplus(beta·x) / beta)</c>).
    /// </summary>
    /// <param name="input">A tensor.</param>
    /// <param name="beta">The sharpness; positive.</param>
    /// <param name="threshold">Above it (in <c>beta·x</c>) the function is linear.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The activated tensor.</returns>
    public string Softplus(string input, float beta = 1f, float threshold = 20f, string? output = null) => Operation(() =>
    {
        string scaled = beta == 1f ? input : Node("Mul", [input, Scalar(beta)], []);
        string soft = Node("Softplus", [scaled], []);
        string smooth = beta == 1f ? soft : Node("Div", [soft, Scalar(beta)], []);
        string linear = Node("Greater", [scaled, Scalar(threshold)], []);
        return Node("Where", [linear, input, smooth], [], output);
    });

    /// <summary><c>nn.Hardswish</c>: <c>HardSwish</c> (<c>x · relu6(x + 3) / 6</c>).</summary>
    /// <param name="input">A tensor.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The activated tensor.</returns>
    public string HardSwish(string input, string? output = null) => Node("HardSwish", [input], [], output);

    /// <summary><c>nn.ReLU6</c>: <c>Clip(x, 0, 6)</c>.</summary>
    /// <param name="input">A tensor.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The activated tensor.</returns>
    public string Relu6(string input, string? output = null) => Operation(() => Node("Clip", [input, Scalar(0f), Scalar(6f)], [], output));

    /// <summary><c>nn.Hardsigmoid</c>: <c>HardSigmoid</c> with alpha 1/6 and beta 0.5 (<c>max(0, min(1, x/6 + 0.5))</c>).</summary>
    /// <param name="input">A tensor.</param>
    /// <param name="output">The output tensor's name, or null.</param>
    /// <returns>The activated tensor.</returns>
    public string HardSigmoid(string input, string? output = null)
        => Node("HardSigmoid", [input], [AttributeProto.Of("alpha", 1f / 6f), AttributeProto.Of("beta", 0.5f)], output);
}
