using System;
using System.IO;
using System.Linq;
using System.Text;
using StaticGrad.Data;
using Xunit;

namespace StaticGrad.Runtime.Tests;

public sealed class PgmReaderTests
{
    private static PgmImage Parse(string text) => PgmReader.Parse(Encoding.ASCII.GetBytes(text), "img.pgm");

    private static PgmImage Parse(byte[] bytes) => PgmReader.Parse(bytes, "img.pgm");

    [Fact]
    public void Binary_P5_WithComments()
    {
        byte[] file = [.. Encoding.ASCII.GetBytes("P5 # a comment\n3 # width\n2\n# maxval next\n255\n"), 0, 51, 255, 1, 2, 128];

        PgmImage image = Parse(file);

        Assert.Equal((3, 2, 255), (image.Width, image.Height, image.MaxValue));
        Assert.Equal(new[] { 0, 51, 255, 1, 2, 128 }.Select(b => b / 255f), image.Pixels.ToArray());
    }

    [Fact]
    public void Binary_P5_SixteenBit_IsBigEndian()
    {
        byte[] file = [.. Encoding.ASCII.GetBytes("P5\n2 1\n1000\n"), 0x03, 0xE8, 0x01, 0xF4];

        Assert.Equal(new[] { 1f, 500 / 1000f }, Parse(file).Pixels.ToArray());
    }

    [Fact]
    public void Plain_P2()
    {
        PgmImage image = Parse("P2\n# plain\n2 2\n15\n0 15\n 7 # half\n3\n");

        Assert.Equal(new[] { 0f, 1f, 7 / 15f, 3 / 15f }, image.Pixels.ToArray());
    }

    [Theory]
    [InlineData("P6\n1 1\n255\n", "found 'P6'")]
    [InlineData("GIF89a", "found no 'P' magic")]
    [InlineData("P5", "expected the width (a decimal number) in the PGM header, but the file ends")]
    [InlineData("P5\n0 1\n255\n", "the width is 0; expected 1 to 65535")]
    [InlineData("P5\n99999999999 1\n255\n", "the width is 99999999999; expected 1 to 65535")]
    [InlineData("P5\n99999999999999999999999 1\n255\n", "the width is a number of 23 digits; expected 1 to 65535")]
    [InlineData("P5\n00000000000000000000000000000 1\n255\n", "the width is 0; expected 1 to 65535")]
    [InlineData("P5\n4096 4097\n255\n", "more than the 16777216 pixels accepted")]
    [InlineData("P5\n2 2\n0\n", "the maxval is 0")]
    [InlineData("P5\n2 2\n255\nab", "truncated raster: a 2 x 2 image with maxval 255 needs 4 bytes; the file holds 2")]
    [InlineData("P5\n1 1\n255\nab", "1 unexpected byte(s) after the 1 x 1 raster (multi-image files are not supported)")]
    [InlineData("P5\r\n1 1\r\n255\r\na", "1 unexpected byte(s) after the 1 x 1 raster (the header's lines end in \\r\\n")]
    [InlineData("P5\n1 1\n255", "expected one whitespace character after maxval")]
    [InlineData("P5\n1x 1\n255\n", "expected the width")]
    [InlineData("P2\n2 1\n9\n1 10\n", "pixel 1 (row 0, column 1) is 10, above maxval 9")]
    [InlineData("P2\n2 1\n9\n1\n", "expected 2 samples but the file ends at sample 1")]
    [InlineData("P2\n1 1\n9\n1 2\n", "unexpected data after the 1 samples")]
    [InlineData("P2\n1 1\n9\n-1\n", "found byte 0x2D at sample 0")]
    [InlineData("P2 1 1 255\n9999999999", "pixel 0 (row 0, column 0) is 9999999999, above maxval 255")]
    [InlineData("P2 1 1 255\n99999999999999999999", "pixel 0 (row 0, column 0) is a number of 20 digits, above maxval 255")]
    [InlineData("P2 2 1 255\n1 2x", "found byte 0x78 at sample 1")]
    public void Malformed_Throws_WithTheProblem(string text, string expected)
    {
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => Parse(text));

        Assert.StartsWith("img.pgm: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void LeadingZeros_AreSkipped_InEveryNumber()
    {
        // A zero-padded width of 21 digits was refused ("found byte 0x30") while a zero-padded maxval was read.
        PgmImage image = Parse("P2 000000000000000000002 01 00255\n0000000000000000000000000000007 255");

        Assert.Equal((2, 1, 255), (image.Width, image.Height, image.MaxValue));
        Assert.Equal(new[] { 7 / 255f, 1f }, image.Pixels.ToArray());
    }

    [Fact]
    public void Plain_P2_OfTheFewestBytes_IsRead()
    {
        // Two bytes per sample, a separator and a digit, with no newline at the end.
        Assert.Equal(new[] { 1 / 9f, 2 / 9f }, Parse("P2 2 1 9\n1 2").Pixels.ToArray());
        Assert.Equal(new[] { 1 / 9f, 2 / 9f }, Parse("P2 2 1 9 1#\n2").Pixels.ToArray());
    }

    [Fact]
    public void AHeaderWithoutItsRaster_IsRefusedBeforeThePixelsAreAllocated()
    {
        // An 18-byte header of a 4096 x 4096 image allocated 64 MB of pixels before the length check.
        long before = GC.GetAllocatedBytesForCurrentThread();
        InvalidDataException binary = Assert.Throws<InvalidDataException>(() => PgmReader.Parse("P5 4096 4096 255\n"u8, "img.pgm"));
        InvalidDataException plain = Assert.Throws<InvalidDataException>(() => PgmReader.Parse("P2 4096 4096 255\n1 2 3\n"u8, "img.pgm"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("truncated raster: a 4096 x 4096 image with maxval 255 needs 16777216 bytes; the file holds 0", binary.Message);
        Assert.Contains("expected 16777216 samples but the file ends at sample 3 (row 0, column 3)", plain.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void SampleAboveMaxval_InBinary_Throws()
    {
        byte[] file = [.. Encoding.ASCII.GetBytes("P5\n1 1\n100\n"), 101];

        Assert.Contains("is 101, above maxval 100", Assert.Throws<InvalidDataException>(() => Parse(file)).Message);
    }
}
