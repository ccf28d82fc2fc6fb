using System.Collections.Generic;
using Google.Protobuf;

namespace StaticGrad.Onnx.Proto;

/// <summary>Size and write helpers for one field of each kind, so every message states its fields in two short methods.</summary>
internal static class ProtoFields
{
    public static int StringSize(int field, string? value)
        => value is null ? 0 : CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeStringSize(value);

    public static void String(CodedOutputStream output, int field, string? value)
    {
        if (value is not null)
        {
            output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            output.WriteString(value);
        }
    }

    public static int StringsSize(int field, IReadOnlyList<string> values)
    {
        int size = 0;
        foreach (string value in values)
        {
            size += StringSize(field, value);
        }

        return size;
    }

    public static void Strings(CodedOutputStream output, int field, IReadOnlyList<string> values)
    {
        foreach (string value in values)
        {
            String(output, field, value);
        }
    }

    public static int Int64Size(int field, long value) => CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeInt64Size(value);

    public static void Int64(CodedOutputStream output, int field, long value)
    {
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteInt64(value);
    }

    /// <summary>A repeated int64 written unpacked, one tag per value (the proto2 default that <c>onnx.proto</c> declares).</summary>
    public static int Int64sSize(int field, IReadOnlyList<long> values)
    {
        int size = 0;
        foreach (long value in values)
        {
            size += Int64Size(field, value);
        }

        return size;
    }

    public static void Int64s(CodedOutputStream output, int field, IReadOnlyList<long> values)
    {
        foreach (long value in values)
        {
            Int64(output, field, value);
        }
    }

    public static int Int32Size(int field, int value) => CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeInt32Size(value);

    public static void Int32(CodedOutputStream output, int field, int value)
    {
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteInt32(value);
    }

    public static int FloatSize(int field) => CodedOutputStream.ComputeTagSize(field) + 4;

    public static void Float(CodedOutputStream output, int field, float value)
    {
        output.WriteTag(field, WireFormat.WireType.Fixed32);
        output.WriteFloat(value);
    }

    public static int FloatsSize(int field, IReadOnlyList<float> values) => values.Count * FloatSize(field);

    public static void Floats(CodedOutputStream output, int field, IReadOnlyList<float> values)
    {
        foreach (float value in values)
        {
            Float(output, field, value);
        }
    }

    public static int BytesSize(int field, byte[]? value)
        => value is null ? 0 : CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeLengthSize(value.Length) + value.Length;

    public static void Bytes(CodedOutputStream output, int field, byte[]? value)
    {
        if (value is not null)
        {
            output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(UnsafeByteOperations.UnsafeWrap(value));
        }
    }

    public static int MessageSize(int field, IOnnxMessage? message)
    {
        if (message is null)
        {
            return 0;
        }

        int size = message.CalculateSize();
        return CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeLengthSize(size) + size;
    }

    public static void Message(CodedOutputStream output, int field, IOnnxMessage? message)
    {
        if (message is not null)
        {
            output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            output.WriteLength(message.CalculateSize());
            message.WriteTo(output);
        }
    }

    public static int MessagesSize<T>(int field, IReadOnlyList<T> messages)
        where T : IOnnxMessage
    {
        int size = 0;
        foreach (T message in messages)
        {
            size += MessageSize(field, message);
        }

        return size;
    }

    public static void Messages<T>(CodedOutputStream output, int field, IReadOnlyList<T> messages)
        where T : IOnnxMessage
    {
        foreach (T message in messages)
        {
            Message(output, field, message);
        }
    }
}
