using Google.Protobuf;

namespace StaticGrad.Onnx.Proto;

/// <summary><c>ValueInfoProto</c>: a graph input's or output's name (1) and type (2).</summary>
internal sealed class ValueInfoProto(string name, TypeProto type) : IOnnxMessage
{
    public string Name { get; } = name;

    public TypeProto Type { get; } = type;

    public int CalculateSize() => ProtoFields.StringSize(1, Name) + ProtoFields.MessageSize(2, Type);

    public void WriteTo(CodedOutputStream output)
    {
        ProtoFields.String(output, 1, Name);
        ProtoFields.Message(output, 2, Type);
    }
}
