using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Graph;

/// <summary>One linear layer with its inferred shapes and its place in the flat parameter buffer.</summary>
/// <param name="Index">Position in data-flow order.</param>
/// <param name="Spec">The declaration.</param>
/// <param name="Inputs">Inferred input features (the model input or the previous layer's outputs).</param>
/// <param name="WeightOffset">Index of <c>weight[0, 0]</c> in the flat parameter buffer.</param>
/// <param name="BiasOffset">Index of <c>bias[0]</c> in the flat parameter buffer.</param>
internal sealed record LayerNode(int Index, LayerSpec Spec, int Inputs, int WeightOffset, int BiasOffset)
{
    public int Outputs => Spec.Outputs;

    public int WeightLength => Spec.Outputs * Inputs;
}

/// <summary>The model as a graph: input -> layers (shapes inferred) -> loss, plus the parameter layout.</summary>
internal sealed record ModelGraph(ModelSpec Spec, EquatableArray<LayerNode> Layers, int ParameterCount)
{
    public LayerNode Last => Layers[Layers.Count - 1];

    public int Classes => Last.Outputs;
}
