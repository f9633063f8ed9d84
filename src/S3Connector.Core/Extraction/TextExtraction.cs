using System.Text;

namespace S3Connector.Core.Extraction;

public interface ITextExtractor
{
    bool CanExtract(string extension);

    /// <summary>Extracts plain text. Never throws for bad content: a failure is a value with its reason.</summary>
    Task<ExtractionResult> ExtractAsync(Stream content, string extension, int maxChars, CancellationToken ct);
}

/// <param name="Text">The normalised text, or null when nothing could be extracted.</param>
/// <param name="FailureReason">A counter name from <see cref="Documents.ObjectReasons"/> when <paramref name="Text"/> is null.</param>
/// <param name="Detail">One sentence for the log: what exactly was wrong.</param>
public sealed record ExtractionResult(string? Text, string? FailureReason, string? Detail = null)
{
    public static ExtractionResult Ok(string text) => new(text, null);

    public static ExtractionResult Failed(string reason, string? detail = null) => new(null, reason, detail ?? reason);
}

/// <summary>A format-specific reader; may throw on bad content (the caller turns exceptions into reasons).</summary>
internal interface IFormatReader
{
    IReadOnlyCollection<string> Extensions { get; }

    /// <summary>Reads text into <paramref name="text"/> until it is full. <paramref name="content"/> is seekable.</summary>
    void Read(Stream content, string extension, TextCollector text, CancellationToken ct);
}

/// <summary>
/// Gathers raw text with a hard cap, so a huge document never builds a huge string; the cap leaves room for the
/// whitespace that normalisation removes.
/// </summary>
internal sealed class TextCollector(int maxChars)
{
    private readonly StringBuilder _text = new();
    private readonly int _rawCap = maxChars > int.MaxValue / 2 ? int.MaxValue : maxChars * 2;

    public int MaxChars { get; } = maxChars;

    public bool IsFull => _text.Length >= _rawCap;

    public void Append(ReadOnlySpan<char> value)
    {
        var room = _rawCap - _text.Length;
        if (room > 0)
        {
            _text.Append(value.Length <= room ? value : value[..room]);
        }
    }

    public void Append(char value)
    {
        if (!IsFull)
        {
            _text.Append(value);
        }
    }

    /// <summary>A word boundary between pieces of text that sit in different elements.</summary>
    public void Space() => Append(' ');

    /// <summary>A paragraph boundary.</summary>
    public void Break() => Append('\n');

    public string ToNormalized() => Whitespace.Normalize(_text.ToString(), MaxChars);
}

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

/// <summary>Kept for callers that hold bytes already (tests, the benchmark).</summary>
public static class PlainTextExtractor
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return Encoding.UTF8.GetString(bytes[3..]);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return Encoding.Unicode.GetString(bytes[2..]);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return Encoding.BigEndianUnicode.GetString(bytes[2..]);
        }

        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(bytes);
        }
    }
}

public static class Whitespace
{
    /// <summary>Collapses runs of whitespace to one space (keeping paragraph breaks) and caps the length.</summary>
    public static string Normalize(string text, int maxChars)
    {
        var sb = new StringBuilder(Math.Min(text.Length, maxChars));
        var pendingSpace = false;
        var pendingNewlines = 0;
        foreach (var c in text)
        {
            if (sb.Length >= maxChars)
            {
                break;
            }

            if (c == '\n')
            {
                pendingNewlines++;
                continue;
            }

            // U+FFFD is what a broken byte sequence decodes to; the original's pipeline strips it too.
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '\uFFFD' or '\uFEFF')
            {
                pendingSpace = true;
                continue;
            }

            if (sb.Length > 0)
            {
                if (pendingNewlines > 0)
                {
                    sb.Append(pendingNewlines > 1 ? "\n\n" : "\n");
                }
                else if (pendingSpace)
                {
                    sb.Append(' ');
                }
            }

            pendingSpace = false;
            pendingNewlines = 0;
            sb.Append(c);
        }

        return sb.ToString();
    }
}
