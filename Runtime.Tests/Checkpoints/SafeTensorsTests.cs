using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Text;
using StaticGrad.Checkpoints;
using Xunit;

namespace StaticGrad.Runtime.Tests.Checkpoints;

public sealed class SafeTensorsTests
{
    [Fact]
    public void Writer_RefusesMoreEntriesThanTheReaderAccepts()
    {
        var writer = new SafeTensorsWriter();
        for (int i = 0; i < SafeTensorsReader.MaxTensorCount; i++)
        {
            writer.Add("t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), ReadOnlySpan<float>.Empty, [0]);
        }

        InvalidOperationException tensors = Assert.Throws<InvalidOperationException>(() => writer.Add("one.more", ReadOnlySpan<float>.Empty, [0]));
        Assert.Contains("100000 tensors", tensors.Message);
        Assert.Equal(SafeTensorsReader.MaxTensorCount, writer.Count);

        for (int i = 0; i < SafeTensorsReader.MaxMetadataCount; i++)
        {
            writer.AddMetadata("k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), "v");
        }

        InvalidOperationException metadata = Assert.Throws<InvalidOperationException>(() => writer.AddMetadata("one.more", "v"));
        Assert.Contains("10000 metadata entries", metadata.Message);
    }

    [Fact]
    public void Writer_ProducesTheDocumentedLayout()
    {
        var writer = new SafeTensorsWriter();
        writer.AddMetadata("format", "pt");
        writer.Add("a.weight", new float[] { 1, 2, 3, 4, 5, 6 }, new[] { 2, 3 });
        writer.Add("a.bias", new float[] { -1.5f, 0.25f }, new[] { 2 });
        byte[] file = writer.ToArray();

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        string header = Encoding.UTF8.GetString(file, 8, (int)headerLength);
        Assert.Equal(
            "{\"__metadata__\":{\"format\":\"pt\"},\"a.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},\"a.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]}}",
            header.TrimEnd(' '));
        Assert.Equal(0, (8 + (int)headerLength) % 8);
        Assert.Equal(8 + (int)headerLength + 32, file.Length);
        Assert.Equal(SafeTensorsFiles.Bytes(1, 2, 3, 4, 5, 6, -1.5f, 0.25f), file[(8 + (int)headerLength)..]);
        Assert.Equal(file, writer.ToArray()); // deterministic
    }

    [Fact]
    public void Reader_ReadsWhatTheWriterWrote()
    {
        var writer = new SafeTensorsWriter();
        writer.AddMetadata("note", "héllo \"quoted\" <tag>");
        writer.Add("x", new float[] { 1, float.NaN, float.NegativeInfinity, -0f }, new[] { 4 });
        writer.Add("scalar", new float[] { 42 }, ReadOnlySpan<int>.Empty);
        writer.Add("empty", ReadOnlySpan<float>.Empty, new[] { 0, 5 });

        using SafeTensorsReader reader = SafeTensorsFiles.Open(writer.ToArray());

        Assert.Equal("héllo \"quoted\" <tag>", reader.Metadata["note"]);
        Assert.Equal(new[] { "x", "scalar", "empty" }, reader.Tensors.Select(t => t.Name));
        Assert.True(reader.TryGetTensor("x", out SafeTensorInfo x));
        float[] values = new float[4];
        reader.ReadSingles(x, values);
        Assert.Equal(new[] { BitConverter.SingleToInt32Bits(1), BitConverter.SingleToInt32Bits(float.NaN), BitConverter.SingleToInt32Bits(float.NegativeInfinity), BitConverter.SingleToInt32Bits(-0f) }, values.Select(BitConverter.SingleToInt32Bits));
        Assert.True(reader.TryGetTensor("scalar", out SafeTensorInfo scalar));
        Assert.Empty(scalar.Shape);
        Assert.Equal(1, scalar.ElementCount);
        Assert.True(reader.TryGetTensor("empty", out SafeTensorInfo empty));
        Assert.Equal(0, empty.ElementCount);
        Assert.Equal(empty.Begin, empty.End);
    }

    [Fact]
    public void Reader_AcceptsAnyEntryOrder_WhitespacePadding_AndOtherDtypes()
    {
        // Entries in another order than the data, metadata last, pretty-printed with padding, an I64 tensor.
        string header = """
            {
              "b": {"data_offsets": [8, 16], "shape": [2], "dtype": "F32"},
              "ids": {"dtype": "I64", "shape": [1], "data_offsets": [16, 24]},
              "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
              "__metadata__": {}
            }
            """ + "      ";
        byte[] data = [.. SafeTensorsFiles.Bytes(1, 2, 3, 4), .. BitConverter.GetBytes(7L)];

        using SafeTensorsReader reader = SafeTensorsFiles.Open(SafeTensorsFiles.Build(header, data));

        Assert.Equal(new[] { "a", "b", "ids" }, reader.Tensors.Select(t => t.Name));
        reader.TryGetTensor("b", out SafeTensorInfo b);
        float[] values = new float[2];
        reader.ReadSingles(b, values);
        Assert.Equal(new float[] { 3, 4 }, values);
        reader.TryGetTensor("ids", out SafeTensorInfo ids);
        byte[] raw = new byte[8];
        reader.ReadBytes(ids, raw);
        Assert.Equal(7L, BitConverter.ToInt64(raw));
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => reader.ReadSingles(ids, new float[2]));
        Assert.Contains("'ids' has dtype I64", e.Message);
    }

    [Theory]
    [InlineData(0, "holds 0 byte(s), fewer than the 8-byte header length")]
    [InlineData(7, "holds 7 byte(s)")]
    public void TooShortForTheLength_Throws(int length, string expected)
    {
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => SafeTensorsFiles.Open(new byte[length]));
        Assert.Contains("test.safetensors", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData(0UL, "header length is 0")]
    [InlineData(1UL, "header length is 1")]
    [InlineData(1000UL, "header length is 1000 bytes but only 20 follow")]
    [InlineData(ulong.MaxValue, "more than the limit of 16777216")]
    [InlineData(16_777_217UL, "more than the limit")]
    [InlineData(1UL << 63, "more than the limit")]
    public void BadHeaderLength_Throws(ulong declared, string expected)
    {
        byte[] file = SafeTensorsFiles.Build("{}", new byte[18]);
        BinaryPrimitives.WriteUInt64LittleEndian(file, declared);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => SafeTensorsFiles.Open(file));

        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void HeaderLimit_IsConfigurable()
    {
        byte[] file = SafeTensorsFiles.Build("{}          ", []);
        Assert.Throws<InvalidDataException>(() => new SafeTensorsReader(new MemoryStream(file), "f", maxHeaderLength: 8));
        using var reader = new SafeTensorsReader(new MemoryStream(file), "f", maxHeaderLength: 12);
        Assert.Empty(reader.Tensors);
    }

    [Theory]
    [InlineData("[1, 2]", "does not start with '{'")]
    [InlineData(" {}", "does not start with '{'")]
    [InlineData("{\"a\": }", "not well-formed JSON")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},}", "not well-formed JSON")]
    [InlineData("{} {}", "not well-formed JSON")]
    [InlineData("{}x", "not well-formed JSON")]
    [InlineData("{/* c */}", "not well-formed JSON")]
    [InlineData("{\"a\": 1}", "tensor 'a': the entry is the number 1; expected an object")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", "holds tensor 'a' twice")]
    [InlineData("{\"\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", "empty name")]
    [InlineData("{\"__metadata__\": {\"k\": 1}}", "'__metadata__' entry 'k' is the number 1; metadata values must be strings")]
    [InlineData("{\"__metadata__\": {\"k\": \"v\", \"k\": \"w\"}}", "holds key 'k' twice")]
    [InlineData("{\"__metadata__\": {}, \"__metadata__\": {}}", "'__metadata__' twice")]
    [InlineData("{\"__metadata__\": [\"v\"]}", "'__metadata__' is an array; expected a JSON object")]
    [InlineData("{\"a\": {\"dtype\": \"F99\", \"shape\": [1], \"data_offsets\": [0, 4]}}", "tensor 'a': unknown dtype 'F99'")]
    [InlineData("{\"a\": {\"dtype\": 32, \"shape\": [1], \"data_offsets\": [0, 4]}}", "tensor 'a': 'dtype' is the number 32")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4], \"extra\": 0}}", "tensor 'a': unknown field 'extra'")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", "tensor 'a': 'dtype' appears twice")]
    [InlineData("{\"a\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", "tensor 'a': the entry has no 'dtype'")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", "tensor 'a': the entry has no 'shape'")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1]}}", "tensor 'a': the entry has no 'data_offsets'")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", "tensor 'a': 'shape' holds the number -1; expected non-negative integers")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1.0], \"data_offsets\": [0, 4]}}", "'shape' holds the number 1.0")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1e0], \"data_offsets\": [0, 4]}}", "'shape' holds the number 1e0")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [\"1\"], \"data_offsets\": [0, 4]}}", "'shape' holds the string \"1\"")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [[1]], \"data_offsets\": [0, 4]}}", "'shape' holds an array")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": 1, \"data_offsets\": [0, 4]}}", "'shape' is the number 1; expected an array")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [18446744073709551616], \"data_offsets\": [0, 4]}}", "below 2^64")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [9223372036854775808], \"data_offsets\": [0, 4]}}", "beyond any file's size")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296], \"data_offsets\": [0, 4]}}", "the product overflows")]
    [InlineData("{\"a\": {\"dtype\": \"F64\", \"shape\": [2305843009213693952], \"data_offsets\": [0, 4]}}", "the product overflows")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", "'data_offsets' holds 1 number(s); expected two")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4, 8]}}", "'data_offsets' holds more than 2 numbers")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 0]}}", "tensor 'a': data_offsets [4, 0] end before they begin")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 18446744073709551615]}}", "reach beyond the data section's 8 bytes")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 8]}}", "tensor 'a': data_offsets [0, 8] span 8 bytes but dtype F32 and shape [1] need 4")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", "tensor 'b' (bytes [4, 8)) overlaps tensor 'a' (bytes [0, 8))")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", "tensor 'a' starts at byte 4, leaving a gap of 4 unused byte(s) after the start of the data section")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", "the last tensor, 'a', ends at byte 4: 4 unexpected trailing byte(s)")]
    [InlineData("{}", "the header declares no tensor: 8 unexpected trailing byte(s)")]
    public void MalformedHeader_Throws_NamingTheTensorAndTheProblem(string header, string expected)
    {
        byte[] file = SafeTensorsFiles.Build(header, new byte[8]);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => SafeTensorsFiles.Open(file));

        Assert.StartsWith("test.safetensors: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void InvalidUtf8_Throws()
    {
        byte[] header = "{\"ab\": {}}"u8.ToArray();
        header[3] = 0xFF;

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => SafeTensorsFiles.Open(SafeTensorsFiles.Build(header, [])));

        Assert.Contains("not valid UTF-8", e.Message);
    }

    [Fact]
    public void DeepNesting_IsRefused_WithoutRecursion()
    {
        string header = "{\"a\": {\"shape\": " + new string('[', 10_000) + new string(']', 10_000) + "}}";

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => SafeTensorsFiles.Open(SafeTensorsFiles.Build(header, [])));

        Assert.Contains("tensor 'a'", e.Message);
    }

    [Fact]
    public void FileThatShrinks_AfterOpening_ThrowsInvalidData()
    {
        var writer = new SafeTensorsWriter();
        writer.Add("a", new float[100], new[] { 100 });
        byte[] file = writer.ToArray();
        var stream = new MemoryStream();
        stream.Write(file);
        using var reader = new SafeTensorsReader(stream, "shrinking", leaveOpen: true);
        stream.SetLength(file.Length - 10);
        reader.TryGetTensor("a", out SafeTensorInfo a);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => reader.ReadSingles(a, new float[100]));

        Assert.Contains("ended while reading tensor 'a'", e.Message);
    }

    [Fact]
    public void Writer_ValidatesItsArguments()
    {
        var writer = new SafeTensorsWriter();
        writer.Add("a", new float[6], new[] { 2, 3 });
        Assert.Throws<ArgumentException>(() => writer.Add("a", new float[1], new[] { 1 }));
        Assert.Throws<ArgumentException>(() => writer.Add("b", new float[5], new[] { 2, 3 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Add("c", new float[0], new[] { -1 }));
        Assert.Throws<ArgumentException>(() => writer.Add("__metadata__", new float[1], new[] { 1 }));
        writer.AddMetadata("k", "v");
        Assert.Throws<ArgumentException>(() => writer.AddMetadata("k", "w"));
    }

    [Fact]
    public void Reader_RejectsTensorsOfAnotherFile_AndWrongDestinationLengths()
    {
        var writer = new SafeTensorsWriter();
        writer.Add("a", new float[3], new[] { 3 });
        byte[] file = writer.ToArray();
        using SafeTensorsReader first = SafeTensorsFiles.Open(file);
        using SafeTensorsReader second = SafeTensorsFiles.Open(file);
        second.TryGetTensor("a", out SafeTensorInfo foreign);
        first.TryGetTensor("a", out SafeTensorInfo a);

        Assert.Throws<ArgumentException>(() => first.ReadSingles(foreign, new float[3]));
        Assert.Throws<ArgumentException>(() => first.ReadSingles(a, new float[2]));
        Assert.Throws<ArgumentException>(() => new SafeTensorsReader(new NonSeekableStream(), "x"));
    }

    private sealed class NonSeekableStream : MemoryStream
    {
        public override bool CanSeek => false;
    }
}
