using System.Collections.Generic;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Graph;

/// <summary>Shape inference and parameter layout: each layer's input size is the previous one's output size.</summary>
internal static class GraphBuilder
{
    public static ModelGraph Build(ModelSpec spec)
    {
        var layers = new List<LayerNode>(spec.Layers.Count);
        int inputs = spec.InputSize;
        int offset = 0;
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            LayerSpec layer = spec.Layers[i];
            int weightOffset = offset;
            int biasOffset = checked(weightOffset + (layer.Outputs * inputs));
            offset = checked(biasOffset + layer.Outputs);
            layers.Add(new LayerNode(i, layer, inputs, weightOffset, biasOffset));
            inputs = layer.Outputs;
        }

        return new ModelGraph(spec, layers.ToEquatableArray(), offset);
    }
}
