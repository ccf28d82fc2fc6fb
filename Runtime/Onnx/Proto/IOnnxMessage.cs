using Google.Protobuf;

namespace StaticGrad.Onnx.Proto;

/// <summary>
/// An ONNX protobuf message this library writes (never reads): its encoded size and its fields in the wire format.
/// Hand-written from <c>onnx.proto</c> (field numbers of ONNX 1.12, IR version 8) for the subset an exported model
/// needs, so no descriptors and no reflection are involved (trimming- and NativeAOT-safe).
/// </summary>
internal interface IOnnxMessage
{
    /// <summary>The encoded size in bytes, without a tag or length prefix.</summary>
    int CalculateSize();

    /// <summary>Writes the fields, in field-number order.</summary>
    void WriteTo(CodedOutputStream output);
}
