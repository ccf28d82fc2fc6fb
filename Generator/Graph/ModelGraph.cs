using StaticGrad.Generator.Model;
using StaticGrad.Generator.Ops;

namespace StaticGrad.Generator.Graph;

/// <summary>A parameter tensor with its place in the flat parameter buffer.</summary>
/// <param name="Decl">What the op declared.</param>
/// <param name="Name">The <c>state_dict</c> name (<c>layer1.weight</c>).</param>
/// <param name="Offset">Index of its first element in the flat buffer.</param>
/// <param name="Index">Its position in the parameter set (state_dict order).</param>
internal sealed record PlacedParameter(ParameterDecl Decl, string Name, int Offset, int Index);

/// <summary>A buffer with its place in the model's float buffers or in its counters.</summary>
/// <param name="Decl">What the op declared.</param>
/// <param name="Name">The <c>state_dict</c> name (<c>bn1.running_mean</c>).</param>
/// <param name="Offset">Index of its first element among the buffers of its element type.</param>
/// <param name="Index">Its position in the parameter set's buffers.</param>
internal sealed record PlacedStateBuffer(BufferDecl Decl, string Name, int Offset, int Index);

/// <summary>One op of the graph with its inferred shapes. Tensors are named by the node that produces them.</summary>
/// <param name="Id">Position in data-flow order; also the id of the tensor it produces.</param>
/// <param name="Member">Index of the declaring member in <see cref="ModelSpec.Members"/>.</param>
/// <param name="Op">The op.</param>
/// <param name="Inputs">The tensors it consumes: node ids, or <see cref="ModelGraph.ModelInput"/>.</param>
/// <param name="InputShapes">The per-sample shape of each input.</param>
/// <param name="Shape">The per-sample shape of its output.</param>
/// <param name="Tensor">The name of its output in generated code (<c>layer1Output</c>).</param>
/// <param name="Parameters">Its parameters in the flat buffer.</param>
/// <param name="Buffers">Its buffers (running statistics).</param>
internal sealed record Node(
    int Id,
    int Member,
    Op Op,
    EquatableArray<int> Inputs,
    EquatableArray<TensorShape> InputShapes,
    TensorShape Shape,
    string Tensor,
    EquatableArray<PlacedParameter> Parameters,
    EquatableArray<PlacedStateBuffer> Buffers)
{
    /// <summary>Values per sample of its output.</summary>
    public int Features => Shape.Features;
}

/// <summary>The model as a DAG of shaped ops ending in the output node, plus the parameter layout.</summary>
internal sealed record ModelGraph(ModelSpec Spec, EquatableArray<Node> Nodes, int ParameterCount)
{
    /// <summary>The tensor id of the model input (the caller's span, never in an arena).</summary>
    public const int ModelInput = -1;

    /// <summary>The name of the model input in generated code.</summary>
    public const string InputName = "inputs";

    public Node Output => Nodes[Nodes.Count - 1];

    /// <summary>Output features (classes) per sample.</summary>
    public int Classes => Output.Features;

    public MemberSpec MemberOf(Node node) => Spec.Members[node.Member];

    /// <summary>Per node, whether its output depends on a parameter, so its gradient is needed (pruning: never the data's).</summary>
    public static bool[] NeedsGradient(System.Collections.Generic.IReadOnlyList<Node> nodes)
    {
        bool[] needs = new bool[nodes.Count];
        foreach (Node node in nodes)
        {
            needs[node.Id] = node.Parameters.Count > 0 || System.Linq.Enumerable.Any(node.Inputs, t => t != ModelInput && needs[t]);
        }

        return needs;
    }
}
