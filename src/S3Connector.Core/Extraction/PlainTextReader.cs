using System.Text;

namespace S3Connector.Core.Extraction;

/// <summary>The text family of CONTRACT §2: decoded by BOM, else strict UTF-8, else Latin-1.</summary>
internal sealed class PlainTextReader : IFormatReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public IReadOnlyCollection<string> Extensions { get; } =
        [".txt", ".md", ".markdown", ".rst", ".csv", ".tsv", ".json", ".py", ".rb", ".sh", ".aspx"];

    public void Read(Stream content, string extension, TextCollector text, CancellationToken ct)
    {
        Span<byte> head = stackalloc byte[3];
        var n = content.ReadAtLeast(head, 3, throwOnEndOfStream: false);
        var (encoding, bomLength) = head[..n] switch
        {
            [0xEF, 0xBB, 0xBF] => (Encoding.UTF8, 3),
            [0xFF, 0xFE, ..] => (Encoding.Unicode, 2),
            [0xFE, 0xFF, ..] => (Encoding.BigEndianUnicode, 2),
            _ => ((Encoding)StrictUtf8, 0),
        };
        var start = content.Position - n + bomLength;
        content.Position = start;
        try
        {
            Decode(content, encoding, text, ct);
        }
        catch (DecoderFallbackException)
        {
            // Not UTF-8 after all: start again as Latin-1, which maps every byte, so this cannot fail.
            content.Position = start;
            var fresh = new TextCollector(text.MaxChars);
            Decode(content, Encoding.Latin1, fresh, ct);
            text.Append(fresh.ToNormalized());
        }
    }

    private static void Decode(Stream content, Encoding encoding, TextCollector text, CancellationToken ct)
    {
        // Only the capped amount is decoded: a 10 MB text file never becomes a 20 MB string.
        // Buffers sized to the file: most are small, and 64 KiB for each of thousands of 2 KB files is most of the work.
        var size = (int)Math.Clamp(content.Length - content.Position, 1024, 64 * 1024);
        using var reader = new StreamReader(content, encoding, detectEncodingFromByteOrderMarks: false, size, leaveOpen: true);
        var buffer = new char[Math.Min(size, 16 * 1024)];
        int read;
        while (!text.IsFull && (read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            ct.ThrowIfCancellationRequested();
            text.Append(buffer.AsSpan(0, read));
        }
    }
}
