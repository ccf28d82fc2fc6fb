using System.Collections.Generic;
using Google.Protobuf;

namespace StaticGrad.Onnx.Proto;

/// <summary><c>GraphProto</c>: nodes (1) in topological order, name (2), initializers (5), inputs (11), outputs (12).</summary>
internal sealed class GraphProto(string name, IReadOnlyList<NodeProto> nodes, IReadOnlyList<TensorProto> initializers, IReadOnlyList<ValueInfoProto> inputs, IReadOnlyList<ValueInfoProto> outputs) : IOnnxMessage
{
    public string Name { get; } = name;

    public IReadOnlyList<NodeProto> Nodes { get; } = nodes;

    public IReadOnlyList<TensorProto> Initializers { get; } = initializers;

    public IReadOnlyList<ValueInfoProto> Inputs { get; } = inputs;

    public IReadOnlyList<ValueInfoProto> Outputs { get; } = outputs;

    public int CalculateSize()
        => ProtoFields.MessagesSize(1, Nodes) + ProtoFields.StringSize(2, Name) + ProtoFields.MessagesSize(5, Initializers)
            + ProtoFields.MessagesSize(11, Inputs) + ProtoFields.MessagesSize(12, Outputs);

    public void WriteTo(CodedOutputStream output)
    {
        ProtoFields.Messages(output, 1, Nodes);
        ProtoFields.String(output, 2, Name);
        ProtoFields.Messages(output, 5, Initializers);
        ProtoFields.Messages(output, 11, Inputs);
        ProtoFields.Messages(output, 12, Outputs);
    }
}
