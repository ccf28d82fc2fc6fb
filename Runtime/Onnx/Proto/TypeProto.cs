using Google.Protobuf;

namespace StaticGrad.Onnx.Proto;

/// <summary><c>TypeProto</c> holding a <c>tensor_type</c> (field 1): an element type (1) and a shape (2).</summary>
internal sealed class TypeProto(int elementType, TensorShapeProto shape) : IOnnxMessage
{
    public int ElementType { get; } = elementType;

    public TensorShapeProto Shape { get; } = shape;

    public int CalculateSize()
    {
        int tensor = TensorSize();
        return CodedOutputStream.ComputeTagSize(1) + CodedOutputStream.ComputeLengthSize(tensor) + tensor;
    }

    public void WriteTo(CodedOutputStream output)
    {
        output.WriteTag(1, WireFormat.WireType.LengthDelimited);
        output.WriteLength(TensorSize());
        ProtoFields.Int32(output, 1, ElementType);
        ProtoFields.Message(output, 2, Shape);
    }

    private int TensorSize() => ProtoFields.Int32Size(1, ElementType) + ProtoFields.MessageSize(2, Shape);
}
