using System;
using System.IO;
using StaticGrad.Data;
using Xunit;

namespace StaticGrad.Runtime.Tests;

public sealed class IdxReaderTests : IDisposable
{
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Images_RoundTrip(bool gzip)
    {
        byte[] pixels = IdxTestFiles.Pixels(5 * 4 * 3);
        string path = _files.Write("images.idx", IdxTestFiles.ImagesBytes(5, 4, 3, pixels), gzip);

        (byte[] read, int count, int rows, int columns) = IdxReader.ReadImages(path);

        Assert.Equal(5, count);
        Assert.Equal(4, rows);
        Assert.Equal(3, columns);
        Assert.Equal(pixels, read);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Labels_RoundTrip(bool gzip)
    {
        byte[] labels = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5];
        string path = _files.Write("labels.idx", IdxTestFiles.LabelsBytes(labels), gzip);

        Assert.Equal(labels, IdxReader.ReadLabels(path));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EmptyFiles_WithZeroCount_AreValid(bool gzip)
    {
        string images = _files.Write("images", IdxTestFiles.ImagesBytes(0, 28, 28, []), gzip);
        string labels = _files.Write("labels", IdxTestFiles.LabelsBytes([]), gzip);

        Assert.Empty(IdxReader.ReadImages(images).Pixels);
        Assert.Empty(IdxReader.ReadLabels(labels));
    }

    [Fact]
    public void Gzip_IsDetectedByMagicBytes_NotByExtension()
    {
        byte[] labels = [7, 8, 9];
        string gzipWithoutExtension = _files.Write("labels-idx1-ubyte", IdxTestFiles.LabelsBytes(labels), gzip: true);
        string rawWithGzExtension = _files.Write("labels-idx1-ubyte.gz", IdxTestFiles.LabelsBytes(labels), gzip: false);

        Assert.Equal(labels, IdxReader.ReadLabels(gzipWithoutExtension));
        Assert.Equal(labels, IdxReader.ReadLabels(rawWithGzExtension));
    }

    [Fact]
    public void LargeGzip_ReadsAcrossBufferGrowth()
    {
        // More than the reader's initial 1 MiB gzip buffer, so the buffer has to grow.
        byte[] pixels = IdxTestFiles.Pixels(3000 * 784, salt: 3);
        string path = _files.Write("big.gz", IdxTestFiles.ImagesBytes(3000, 28, 28, pixels), gzip: true);

        Assert.Equal(pixels, IdxReader.ReadImages(path).Pixels);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WrongMagic_Throws(bool gzip)
    {
        byte[] content = IdxTestFiles.Concat(IdxTestFiles.Header(0x00000802, 3), new byte[3]);
        string path = _files.Write("wrong-magic", content, gzip);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("0x00000802", e.Message);
        Assert.Contains("0x00000801", e.Message);
    }

    [Fact]
    public void NotIdxAtAll_Throws()
    {
        string path = _files.Write("text.txt", "hello, world"u8);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("first two bytes", e.Message);
    }

    [Fact]
    public void UnsupportedElementType_Throws()
    {
        string path = _files.Write("floats", IdxTestFiles.Concat(IdxTestFiles.Header(0x00000D01, 1), new byte[4]));

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));

        Assert.Contains("float", e.Message);
    }

    [Fact]
    public void SwappedImagesAndLabels_SaysSo()
    {
        string images = _files.Write("images", IdxTestFiles.ImagesBytes(2, 2, 2, new byte[8]));
        string labels = _files.Write("labels", IdxTestFiles.LabelsBytes([1, 2]));

        InvalidDataException asLabels = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(images));
        InvalidDataException asImages = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(labels));

        Assert.Contains("swapped", asLabels.Message);
        Assert.Contains("swapped", asImages.Message);
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(false, 3)]
    [InlineData(false, 9)]
    [InlineData(true, 0)]
    [InlineData(true, 2)]
    [InlineData(true, 13)]
    public void TruncatedHeader_Throws(bool gzip, int keep)
    {
        byte[] full = IdxTestFiles.ImagesBytes(1, 2, 2, new byte[4]);
        string path = _files.Write("short-header", full.AsSpan(0, keep), gzip);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("truncated IDX header", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedData_Throws(bool gzip)
    {
        byte[] full = IdxTestFiles.ImagesBytes(10, 28, 28, IdxTestFiles.Pixels(10 * 784));
        string path = _files.Write("short-data", full.AsSpan(0, full.Length - 100), gzip);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("truncated IDX data", e.Message);
        Assert.Contains("7840", e.Message);
        Assert.Contains("7740", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedLabels_Throws(bool gzip)
    {
        byte[] full = IdxTestFiles.LabelsBytes([1, 2, 3, 4]);
        string path = _files.Write("short-labels", full.AsSpan(0, full.Length - 1), gzip);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));

        Assert.Contains("truncated IDX data", e.Message);
    }

    [Fact]
    public void TruncatedGzipStream_Throws()
    {
        byte[] compressed = IdxTestFiles.Gzip(IdxTestFiles.ImagesBytes(50, 28, 28, IdxTestFiles.Pixels(50 * 784)));
        string path = _files.Write("cut.gz", compressed.AsSpan(0, compressed.Length / 2));

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrailingBytes_Throw(bool gzip)
    {
        byte[] content = IdxTestFiles.Concat(IdxTestFiles.LabelsBytes([1, 2, 3]), new byte[] { 0, 0, 0, 0, 0 });
        string path = _files.Write("trailing", content, gzip);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("5 unexpected trailing byte(s)", e.Message);
    }

    [Theory]
    [InlineData(100_000_001u, 28u, 28u, "100000001 items")]
    [InlineData(uint.MaxValue, 28u, 28u, "4294967295 items")]
    [InlineData(10u, 65536u, 65536u, "pixels per image")]
    [InlineData(10u, 0u, 28u, "must be positive")]
    [InlineData(100_000_000u, 28u, 28u, "an array can hold")]
    public void AbsurdDimensions_Throw_BeforeAllocating(uint count, uint rows, uint columns, string expected)
    {
        foreach (bool gzip in (ReadOnlySpan<bool>)[false, true])
        {
            string path = _files.Write(gzip ? "absurd.gz" : "absurd", IdxTestFiles.Concat(IdxTestFiles.Header(0x00000803, count, rows, columns), new byte[64]), gzip);

            long before = GC.GetAllocatedBytesForCurrentThread();
            InvalidDataException e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Contains(path, e.Message);
            Assert.Contains("absurd IDX dimensions", e.Message);
            Assert.Contains(expected, e.Message);
            Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
        }
    }

    [Fact]
    public void ForgedLargeCount_InSmallGzip_FailsAsTruncated_WithoutAllocatingTheDeclaredSize()
    {
        // 2,000,000 x 28 x 28 = 1.57 GB declared (within the limits), 64 bytes present.
        string path = _files.Write("forged.gz", IdxTestFiles.Concat(IdxTestFiles.Header(0x00000803, 2_000_000, 28, 28), new byte[64]), gzip: true);

        long before = GC.GetAllocatedBytesForCurrentThread();
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("truncated IDX data", e.Message);
        Assert.True(allocated < 4 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void ForgedLargeCount_InSmallRawFile_IsCheckedAgainstTheFileLength()
    {
        string path = _files.Write("forged", IdxTestFiles.Concat(IdxTestFiles.Header(0x00000803, 2_000_000, 28, 28), new byte[64]));

        long before = GC.GetAllocatedBytesForCurrentThread();
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("truncated IDX data", e.Message);
        Assert.Contains("1568000000", e.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void CorruptGzipPayload_Throws_WithFileName()
    {
        byte[] compressed = IdxTestFiles.Gzip(IdxTestFiles.LabelsBytes(IdxTestFiles.Pixels(5000)));
        compressed[^6] ^= 0xFF; // inside the CRC-32 trailer
        string path = _files.Write("bad-crc.gz", compressed);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));

        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void GzipWithoutItsTrailer_Throws()
    {
        byte[] compressed = IdxTestFiles.Gzip(IdxTestFiles.ImagesBytes(5, 28, 28, IdxTestFiles.Pixels(5 * 784)));
        string path = _files.Write("no-trailer.gz", compressed.AsSpan(0, compressed.Length - 4));

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("gzip stream is truncated", e.Message);
    }

    [Fact]
    public void BytesAfterTheGzipMember_Throw()
    {
        byte[] compressed = IdxTestFiles.Gzip(IdxTestFiles.LabelsBytes([1, 2, 3]));
        string path = _files.Write("junk-after.gz", IdxTestFiles.Concat(compressed, "junk!"u8));

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));

        Assert.Contains("followed by other bytes", e.Message);
    }

    [Fact]
    public void ConcatenatedGzipMembers_AreRejected()
    {
        byte[] compressed = IdxTestFiles.Gzip(IdxTestFiles.LabelsBytes([1, 2, 3]));
        string path = _files.Write("two-members.gz", IdxTestFiles.Concat(compressed, compressed));

        Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));
    }

    [Fact]
    public void MissingFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => IdxReader.ReadLabels(_files.PathOf("nope")));
    }
}
