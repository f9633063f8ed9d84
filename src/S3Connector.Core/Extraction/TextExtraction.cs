using System.Text;

namespace S3Connector.Core.Extraction;

public interface ITextExtractor
{
    bool CanExtract(string extension);

    /// <summary>Extracts plain text. Never throws for bad content: a failure is a value with its reason.</summary>
    Task<ExtractionResult> ExtractAsync(Stream content, string extension, int maxChars, CancellationToken ct);
}

public sealed record ExtractionResult(string? Text, string? FailureReason)
{
    public static ExtractionResult Ok(string text) => new(text, null);

    public static ExtractionResult Failed(string reason) => new(null, reason);
}

/// <summary>The text family of CONTRACT §2's list; other formats arrive with their own extractors.</summary>
public sealed class PlainTextExtractor : ITextExtractor
{
    private static readonly HashSet<string> TextExtensions = new(StringComparer.Ordinal)
    {
        ".txt", ".md", ".markdown", ".rst", ".csv", ".tsv", ".json", ".py", ".rb", ".sh", ".aspx",
    };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public bool CanExtract(string extension) => TextExtensions.Contains(extension);

    public async Task<ExtractionResult> ExtractAsync(Stream content, string extension, int maxChars, CancellationToken ct)
    {
        // Text objects are at most max_file_size; reading them whole keeps decoding (BOM, fallback) simple.
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, ct);
        var text = Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        return ExtractionResult.Ok(Whitespace.Normalize(text, maxChars));
    }

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

            if (char.IsWhiteSpace(c) || char.IsControl(c))
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
