using System.Collections.Generic;
using Google.Protobuf;

namespace StaticGrad.Onnx.Proto;

/// <summary><c>TensorShapeProto</c>: the dimensions (field 1), each a fixed size or a symbolic name such as <c>batch</c>.</summary>
internal sealed class TensorShapeProto(IReadOnlyList<TensorShapeProto.Dimension> dimensions) : IOnnxMessage
{
    public IReadOnlyList<Dimension> Dimensions { get; } = dimensions;

    public int CalculateSize() => ProtoFields.MessagesSize(1, Dimensions);

    public void WriteTo(CodedOutputStream output) => ProtoFields.Messages(output, 1, Dimensions);

    /// <summary><c>TensorShapeProto.Dimension</c>: <c>dim_value</c> (1) or <c>dim_param</c> (2).</summary>
    internal sealed class Dimension : IOnnxMessage
    {
        private Dimension(long? value, string? parameter)
        {
            Value = value;
            Parameter = parameter;
        }

        public long? Value { get; }

        public string? Parameter { get; }

        public static Dimension Fixed(long value) => new(value, null);

        public static Dimension Symbolic(string name) => new(null, name);

        public int CalculateSize() => (Value is { } v ? ProtoFields.Int64Size(1, v) : 0) + ProtoFields.StringSize(2, Parameter);

        public void WriteTo(CodedOutputStream output)
        {
            if (Value is { } v)
            {
                ProtoFields.Int64(output, 1, v);
            }

            ProtoFields.String(output, 2, Parameter);
        }
    }
}
