using System.Xml;
using System.Text;
using AngleSharp.Html;
using AngleSharp.Html.Parser;
using AngleSharp.Html.Parser.Tokens;
using AngleSharp.Text;

namespace S3Connector.Core.Extraction;

/// <summary>
/// HTML: the visible text only. AngleSharp's HTML5 tokenizer (entities, broken markup, raw-text elements as browsers
/// read them) is used without its tree builder: a DOM of a 10 MB page costs seconds and hundreds of MB, the token
/// stream about a second and no memory beyond the text.
/// </summary>
internal sealed class HtmlReader : IFormatReader
{
    /// <summary>Elements whose content a browser does not show as text, with the tokenizer state their content needs.</summary>
    private static readonly Dictionary<string, HtmlParseMode> Invisible = new(StringComparer.OrdinalIgnoreCase)
    {
        ["script"] = HtmlParseMode.Script,
        ["style"] = HtmlParseMode.Rawtext,
        ["noscript"] = HtmlParseMode.Rawtext,
        ["template"] = HtmlParseMode.PCData,
        ["iframe"] = HtmlParseMode.Rawtext,
        ["noembed"] = HtmlParseMode.Rawtext,
        ["noframes"] = HtmlParseMode.Rawtext,
        ["xmp"] = HtmlParseMode.Rawtext,
    };

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "table",
        "ul", "ol", "blockquote", "pre", "title", "header", "footer", "dd", "dt", "hr", "nav", "aside", "main",
        "figcaption", "caption", "option", "label", "address",
    };

    public IReadOnlyCollection<string> Extensions { get; } = [".html"];

    public void Read(Stream content, string extension, TextCollector text, CancellationToken ct)
    {
        using var source = new TextSource(content, SniffEncoding(content));
        using var tokenizer = new HtmlTokenizer(source, HtmlEntityProvider.Resolver);
        string? hidden = null;
        while (!text.IsFull)
        {
            ct.ThrowIfCancellationRequested();
            var token = tokenizer.Get();
            switch (token.Type)
            {
                case HtmlTokenType.EndOfFile:
                    return;
                case HtmlTokenType.Character when hidden is null:
                    text.Append(token.Data);
                    break;
                case HtmlTokenType.StartTag:
                    var start = (HtmlTagToken)token;
                    if (hidden is null && Invisible.TryGetValue(start.Name, out var mode) && !start.IsSelfClosing)
                    {
                        // The tree builder would switch the tokenizer for these elements; without it, we do.
                        hidden = start.Name;
                        tokenizer.State = mode;
                    }
                    else if (Blocks.Contains(start.Name))
                    {
                        text.Break();
                    }

                    break;
                case HtmlTokenType.EndTag:
                    if (hidden is not null && string.Equals(token.Name, hidden, StringComparison.OrdinalIgnoreCase))
                    {
                        hidden = null;
                        tokenizer.State = HtmlParseMode.PCData;
                    }
                    else if (Blocks.Contains(token.Name))
                    {
                        text.Break();
                    }

                    break;
            }
        }
    }

    /// <summary>A UTF-16 BOM, else UTF-8 (invalid bytes become U+FFFD, which normalisation drops).</summary>
    private static Encoding SniffEncoding(Stream content)
    {
        Span<byte> head = stackalloc byte[2];
        var start = content.Position;
        var n = content.ReadAtLeast(head, 2, throwOnEndOfStream: false);
        content.Position = start;
        return head[..n] switch
        {
            [0xFF, 0xFE] => Encoding.Unicode,
            [0xFE, 0xFF] => Encoding.BigEndianUnicode,
            _ => Encoding.UTF8,
        };
    }
}

/// <summary>XML and SVG: every text node, streamed (no DOM), without DTDs or external entities.</summary>
internal sealed class XmlMarkupReader : IFormatReader
{
    private static readonly HashSet<string> Invisible = new(StringComparer.OrdinalIgnoreCase) { "script", "style" };

    public IReadOnlyCollection<string> Extensions { get; } = [".xml", ".svg"];

    public static XmlReaderSettings Settings { get; } = new()
    {
        // Entity expansion (billion laughs) and external entities (XXE) are both closed by ignoring the DTD.
        DtdProcessing = DtdProcessing.Ignore,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        CloseInput = false,
    };

    public void Read(Stream content, string extension, TextCollector text, CancellationToken ct)
    {
        using var reader = XmlReader.Create(content, Settings);
        ReadText(reader, text, Invisible, ct);
    }

    /// <summary>Appends text nodes, skipping the content of <paramref name="invisible"/> elements.</summary>
    public static void ReadText(XmlReader reader, TextCollector text, IReadOnlySet<string> invisible, CancellationToken ct)
    {
        var more = reader.Read();
        while (more && !text.IsFull)
        {
            ct.ThrowIfCancellationRequested();
            if (reader.NodeType == XmlNodeType.Element && invisible.Contains(reader.LocalName))
            {
                // Skip leaves the reader on the node after the element, which the next turn must see unread.
                reader.Skip();
                more = !reader.EOF;
                continue;
            }

            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                case XmlNodeType.EndElement:
                    text.Space();
                    break;
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                case XmlNodeType.SignificantWhitespace:
                    text.Append(reader.Value);
                    break;
            }

            more = reader.Read();
        }
    }
}
