using System;
using System.Collections.Generic;
using Google.Protobuf;

namespace StaticGrad.Onnx.Proto;

/// <summary>
/// <c>AttributeProto</c> of the kinds an exported model uses: a float (2), an int (3), a string (4, bytes), floats (7) or
/// ints (8), with its name (1) and type (20).
/// </summary>
internal sealed class AttributeProto : IOnnxMessage
{
    private const int FloatType = 1;
    private const int IntType = 2;
    private const int StringType = 3;
    private const int FloatsType = 6;
    private const int IntsType = 7;

    private readonly float _float;
    private readonly long _int;
    private readonly string _string;
    private readonly IReadOnlyList<float> _floats;
    private readonly IReadOnlyList<long> _ints;

    private AttributeProto(
        string name, int type, float floatValue = 0f, long intValue = 0, IReadOnlyList<float>? floats = null, IReadOnlyList<long>? ints = null, string stringValue = "")
    {
        _string = stringValue;
        Name = name;
        Type = type;
        _float = floatValue;
        _int = intValue;
        _floats = floats ?? Array.Empty<float>();
        _ints = ints ?? Array.Empty<long>();
    }

    public string Name { get; }

    public int Type { get; }

    public static AttributeProto Of(string name, float value) => new(name, FloatType, floatValue: value);

    public static AttributeProto Of(string name, long value) => new(name, IntType, intValue: value);

    public static AttributeProto Of(string name, string value) => new(name, StringType, stringValue: value);

    public static AttributeProto Of(string name, IReadOnlyList<long> values) => new(name, IntsType, ints: values);

    public static AttributeProto Of(string name, IReadOnlyList<float> values) => new(name, FloatsType, floats: values);

    public int CalculateSize()
    {
        int size = ProtoFields.StringSize(1, Name) + ProtoFields.Int32Size(20, Type);
        return size + Type switch
        {
            FloatType => ProtoFields.FloatSize(2),
            IntType => ProtoFields.Int64Size(3, _int),
            StringType => ProtoFields.StringSize(4, _string),
            FloatsType => ProtoFields.FloatsSize(7, _floats),
            _ => ProtoFields.Int64sSize(8, _ints),
        };
    }

    public void WriteTo(CodedOutputStream output)
    {
        ProtoFields.String(output, 1, Name);
        switch (Type)
        {
            case FloatType:
                ProtoFields.Float(output, 2, _float);
                break;
            case IntType:
                ProtoFields.Int64(output, 3, _int);
                break;
            case StringType:
                ProtoFields.String(output, 4, _string);
                break;
            case FloatsType:
                ProtoFields.Floats(output, 7, _floats);
                break;
            default:
                ProtoFields.Int64s(output, 8, _ints);
                break;
        }

        ProtoFields.Int32(output, 20, Type);
    }
}
