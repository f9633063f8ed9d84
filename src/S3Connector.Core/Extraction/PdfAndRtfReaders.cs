using System.Text;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Exceptions;

namespace S3Connector.Core.Extraction;

/// <summary>PDF through PdfPig, page by page, in reading order.</summary>
internal sealed class PdfReader : IFormatReader
{
    public IReadOnlyCollection<string> Extensions { get; } = [".pdf"];

    public void Read(Stream content, string extension, TextCollector text, CancellationToken ct)
    {
        try
        {
            // Lenient parsing recovers the many PDFs with broken cross-reference tables; missing fonts only lose glyph widths.
            using var document = PdfDocument.Open(content, new ParsingOptions { UseLenientParsing = true, SkipMissingFonts = true });
            for (var number = 1; number <= document.NumberOfPages && !text.IsFull; number++)
            {
                ct.ThrowIfCancellationRequested();
                var page = document.GetPage(number);
                text.Append(ContentOrderTextExtractor.GetText(page));
                text.Break();
            }
        }
        catch (PdfDocumentEncryptedException e)
        {
            throw new EncryptedContentException($"the PDF is encrypted: {e.Message}");
        }
    }
}

/// <summary>
/// RTF: a small tokenizer. No served library reads RTF; the format is plain text with control words, and text
/// extraction only needs to drop non-text destinations and decode \'hh, \uN and the code page.
/// </summary>
internal sealed class RtfReader : IFormatReader
{
    private static readonly HashSet<string> SkippedDestinations = new(StringComparer.Ordinal)
    {
        "fonttbl", "colortbl", "stylesheet", "info", "pict", "object", "header", "footer", "headerl", "headerr",
        "headerf", "footerl", "footerr", "footerf", "fldinst", "themedata", "colorschememapping", "datastore",
        "latentstyles", "xmlnstbl", "listtable", "listoverridetable", "rsidtbl", "generator", "filetbl", "revtbl",
        "pgdsctbl", "mmathPr", "bkmkstart", "bkmkend", "xe", "tc", "txe", "private",
    };

    public IReadOnlyCollection<string> Extensions { get; } = [".rtf"];

    public void Read(Stream content, string extension, TextCollector text, CancellationToken ct)
    {
        // Not disposed: that would close the caller's stream, which the caller owns (its spool disposes it).
#pragma warning disable CA2000
        var input = new BufferedStream(content, 64 * 1024);
#pragma warning restore CA2000
        Span<byte> magic = stackalloc byte[5];
        if (input.ReadAtLeast(magic, 5, throwOnEndOfStream: false) != 5 || !magic.SequenceEqual("{\\rtf"u8))
        {
            throw new InvalidDataException("the file does not start with {\\rtf");
        }

        // Back to the opening brace, so the header's own control word (\rtf1) is parsed like any other.
        input.Position -= 4;

        var encoding = CodePage(1252);
        var pending = new List<byte>();
        var skip = new Stack<(bool Skip, int UnicodeSkip)>();
        var (skipping, unicodeSkip) = (false, 1);
        var fallbackToSkip = 0;
        var depth = 1;
        var word = new StringBuilder();
        int b;
        long count = 0;
        while (depth > 0 && !text.IsFull && (b = input.ReadByte()) >= 0)
        {
            if ((++count & 0xFFFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            if (b != '\\' || PeekIsNotHex(input))
            {
                Flush();
            }

            switch (b)
            {
                case '{':
                    if (skip.Count > 10_000)
                    {
                        throw new InvalidDataException("groups nested more than 10,000 deep");
                    }

                    skip.Push((skipping, unicodeSkip));
                    depth++;
                    break;
                case '}':
                    depth--;
                    if (skip.Count > 0)
                    {
                        (skipping, unicodeSkip) = skip.Pop();
                    }

                    break;
                case '\r' or '\n':
                    break;
                case '\\':
                    ReadControl();
                    break;
                default:
                    if (fallbackToSkip > 0)
                    {
                        fallbackToSkip--;
                    }
                    else if (!skipping)
                    {
                        pending.Add((byte)b);
                    }

                    break;
            }
        }

        Flush();

        void Flush()
        {
            if (pending.Count > 0)
            {
                text.Append(encoding.GetString(pending.ToArray()));
                pending.Clear();
            }
        }

        void ReadControl()
        {
            var c = input.ReadByte();
            if (c < 0)
            {
                return;
            }

            if (!char.IsAsciiLetter((char)c))
            {
                switch (c)
                {
                    case '\'':
                        Span<byte> hex = stackalloc byte[2];
                        if (input.ReadAtLeast(hex, 2, throwOnEndOfStream: false) == 2 &&
                            byte.TryParse(Encoding.ASCII.GetString(hex), System.Globalization.NumberStyles.HexNumber, null, out var value))
                        {
                            if (fallbackToSkip > 0)
                            {
                                fallbackToSkip--;
                            }
                            else if (!skipping)
                            {
                                pending.Add(value);
                            }
                        }

                        break;
                    case '*':
                        // An ignorable destination: readers that do not know it must drop the whole group.
                        skipping = true;
                        break;
                    case '~':
                        Emit(" ");
                        break;
                    case '_':
                        Emit("-");
                        break;
                    case '\\' or '{' or '}':
                        Emit(((char)c).ToString());
                        break;
                    case '\r' or '\n':
                        Emit("\n");
                        break;
                }

                return;
            }

            word.Clear();
            while (c >= 0 && char.IsAsciiLetter((char)c) && word.Length < 32)
            {
                word.Append((char)c);
                c = input.ReadByte();
            }

            var negative = c == '-';
            if (negative)
            {
                c = input.ReadByte();
            }

            int? parameter = null;
            while (c >= 0 && char.IsAsciiDigit((char)c) && (parameter ?? 0) < 100_000_000)
            {
                parameter = ((parameter ?? 0) * 10) + (c - '0');
                c = input.ReadByte();
            }

            if (negative && parameter is not null)
            {
                parameter = -parameter;
            }

            // The delimiter: a space belongs to the control word, anything else is the next token.
            if (c >= 0 && c != ' ')
            {
                input.Seek(-1, SeekOrigin.Current);
            }

            var name = word.ToString();
            if (SkippedDestinations.Contains(name))
            {
                skipping = true;
                return;
            }

            switch (name)
            {
                case "par" or "line" or "sect" or "page" or "row":
                    Emit("\n");
                    break;
                case "tab" or "cell":
                    Emit(" ");
                    break;
                case "uc":
                    unicodeSkip = Math.Clamp(parameter ?? 1, 0, 10);
                    break;
                case "u" when parameter is { } code:
                    Emit(((char)(code < 0 ? code + 65536 : code)).ToString());
                    fallbackToSkip = unicodeSkip;
                    break;
                case "ansicpg" when parameter is { } page:
                    encoding = CodePage(page);
                    break;
            }
        }

        void Emit(string value)
        {
            if (!skipping)
            {
                Flush();
                text.Append(value);
            }
        }
    }

    /// <summary>A \'hh continues a multi-byte character, so the pending bytes are flushed only before other tokens.</summary>
    private static bool PeekIsNotHex(BufferedStream input)
    {
        var next = input.ReadByte();
        if (next < 0)
        {
            return true;
        }

        input.Seek(-1, SeekOrigin.Current);
        return next != '\'';
    }

    private static Encoding CodePage(int page)
    {
        try
        {
            return CodePagesEncodingProvider.Instance.GetEncoding(page) ?? Encoding.Latin1;
        }
        catch (ArgumentException)
        {
            return Encoding.Latin1;
        }
    }
}
