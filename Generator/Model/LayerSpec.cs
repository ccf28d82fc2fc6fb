namespace StaticGrad.Generator.Model;

/// <summary>
/// An activation on a layer. The elementwise ones (values 0-3) match <c>StaticGrad.Kernels.Activation</c> and are
/// fused into the layer's kernel; <see cref="Softmax"/> and <see cref="LogSoftmax"/> are row-wise output
/// activations of the last layer with no <c>Activation</c> counterpart.
/// </summary>
internal enum ActivationKind
{
    None = 0,
    ReLU = 1,
    Sigmoid = 2,
    Tanh = 3,
    Softmax = 4,
    LogSoftmax = 5,
}

/// <summary>One declared fully connected layer.</summary>
/// <param name="MemberName">The partial property that exposes the layer (<c>Layer1</c>).</param>
/// <param name="ParameterName">The <c>state_dict</c> prefix (<c>layer1</c>).</param>
/// <param name="Modifiers">The property's declared modifiers other than <c>partial</c>, repeated on the implementation.</param>
/// <param name="Outputs">Output features.</param>
/// <param name="Activation">The fused activation.</param>
internal sealed record LayerSpec(string MemberName, string ParameterName, string Modifiers, int Outputs, ActivationKind Activation);
