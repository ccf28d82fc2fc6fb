using System.Collections.Generic;
using Google.Protobuf;

namespace StaticGrad.Onnx.Proto;

/// <summary>
/// <c>TensorProto</c>: dims (1), data_type (2), name (8) and the little-endian elements as <c>raw_data</c> (9).
/// </summary>
internal sealed class TensorProto(string name, int dataType, IReadOnlyList<long> dims, byte[] rawData) : IOnnxMessage
{
    /// <summary><c>TensorProto.DataType.FLOAT</c>.</summary>
    public const int Float = 1;

    /// <summary><c>TensorProto.DataType.INT64</c>.</summary>
    public const int Int64 = 7;

    public string Name { get; } = name;

    public int DataType { get; } = dataType;

    public IReadOnlyList<long> Dims { get; } = dims;

    public byte[] RawData { get; } = rawData;

    public int CalculateSize()
        => ProtoFields.Int64sSize(1, Dims) + ProtoFields.Int32Size(2, DataType) + ProtoFields.StringSize(8, Name) + ProtoFields.BytesSize(9, RawData);

    public void WriteTo(CodedOutputStream output)
    {
        ProtoFields.Int64s(output, 1, Dims);
        ProtoFields.Int32(output, 2, DataType);
        ProtoFields.String(output, 8, Name);
        ProtoFields.Bytes(output, 9, RawData);
    }
}
