using System.Collections.Generic;
using Google.Protobuf;

namespace StaticGrad.Onnx.Proto;

/// <summary><c>NodeProto</c>: inputs (1), outputs (2), name (3), op_type (4), attributes (5), in the default domain.</summary>
internal sealed class NodeProto(string opType, string name, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, IReadOnlyList<AttributeProto> attributes) : IOnnxMessage
{
    public string OpType { get; } = opType;

    public string Name { get; } = name;

    public IReadOnlyList<string> Inputs { get; } = inputs;

    public IReadOnlyList<string> Outputs { get; } = outputs;

    public IReadOnlyList<AttributeProto> Attributes { get; } = attributes;

    public int CalculateSize()
        => ProtoFields.StringsSize(1, Inputs) + ProtoFields.StringsSize(2, Outputs) + ProtoFields.StringSize(3, Name)
            + ProtoFields.StringSize(4, OpType) + ProtoFields.MessagesSize(5, Attributes);

    public void WriteTo(CodedOutputStream output)
    {
        ProtoFields.Strings(output, 1, Inputs);
        ProtoFields.Strings(output, 2, Outputs);
        ProtoFields.String(output, 3, Name);
        ProtoFields.String(output, 4, OpType);
        ProtoFields.Messages(output, 5, Attributes);
    }
}
