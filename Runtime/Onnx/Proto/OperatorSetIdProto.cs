using Google.Protobuf;

namespace StaticGrad.Onnx.Proto;

/// <summary><c>OperatorSetIdProto</c>: an operator set the model uses (domain 1, version 2); the empty domain is <c>ai.onnx</c>.</summary>
internal sealed class OperatorSetIdProto(string domain, long version) : IOnnxMessage
{
    public string Domain { get; } = domain;

    public long Version { get; } = version;

    public int CalculateSize() => ProtoFields.StringSize(1, Domain) + ProtoFields.Int64Size(2, Version);

    public void WriteTo(CodedOutputStream output)
    {
        ProtoFields.String(output, 1, Domain);
        ProtoFields.Int64(output, 2, Version);
    }
}
