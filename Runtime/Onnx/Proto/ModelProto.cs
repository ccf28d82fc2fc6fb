using System.Collections.Generic;
using Google.Protobuf;

namespace StaticGrad.Onnx.Proto;

/// <summary>
/// <c>ModelProto</c>: ir_version (1), producer_name (2), producer_version (3), doc_string (6), graph (7),
/// opset_import (8).
/// </summary>
internal sealed class ModelProto(long irVersion, string producerName, string producerVersion, string? docString, GraphProto graph, IReadOnlyList<OperatorSetIdProto> opsetImports) : IOnnxMessage
{
    public long IrVersion { get; } = irVersion;

    public string ProducerName { get; } = producerName;

    public string ProducerVersion { get; } = producerVersion;

    public string? DocString { get; } = docString;

    public GraphProto Graph { get; } = graph;

    public IReadOnlyList<OperatorSetIdProto> OpsetImports { get; } = opsetImports;

    public int CalculateSize()
        => ProtoFields.Int64Size(1, IrVersion) + ProtoFields.StringSize(2, ProducerName) + ProtoFields.StringSize(3, ProducerVersion)
            + ProtoFields.StringSize(6, DocString) + ProtoFields.MessageSize(7, Graph) + ProtoFields.MessagesSize(8, OpsetImports);

    public void WriteTo(CodedOutputStream output)
    {
        ProtoFields.Int64(output, 1, IrVersion);
        ProtoFields.String(output, 2, ProducerName);
        ProtoFields.String(output, 3, ProducerVersion);
        ProtoFields.String(output, 6, DocString);
        ProtoFields.Message(output, 7, Graph);
        ProtoFields.Messages(output, 8, OpsetImports);
    }
}
