using System.Text;
using S3Connector.Core.Extraction;

namespace S3Connector.Tests;

public sealed class TextExtractionTests
{
    [Fact]
    public void Decodes_utf8_with_and_without_bom() =>
        Assert.Equal("héllo", PlainTextExtractor.Decode([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("héllo")]));

    [Fact]
    public void Decodes_utf16_by_bom()
    {
        Assert.Equal("日本", PlainTextExtractor.Decode([0xFF, 0xFE, .. Encoding.Unicode.GetBytes("日本")]));
        Assert.Equal("日本", PlainTextExtractor.Decode([0xFE, 0xFF, .. Encoding.BigEndianUnicode.GetBytes("日本")]));
    }

    [Fact]
    public void Invalid_utf8_falls_back_to_latin1() =>
        Assert.Equal("caf\u00e9", PlainTextExtractor.Decode([0x63, 0x61, 0x66, 0xE9]));

    [Fact]
    public void Whitespace_is_normalised_and_capped()
    {
        Assert.Equal("a b\nc\n\nd", Whitespace.Normalize("  a \t b\r\nc\n\n\n d  ", 100));
        Assert.Equal("abc", Whitespace.Normalize("abcdef", 3));
    }

    [Fact]
    public async Task Extracts_a_stream()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("The quick brown fox.\n"));
        var result = await new ContentExtractor().ExtractAsync(stream, ".txt", 1000, CancellationToken.None);
        Assert.Equal("The quick brown fox.", result.Text);
    }
}
