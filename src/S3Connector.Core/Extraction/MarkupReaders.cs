using System.Xml;
using HtmlAgilityPack;

namespace S3Connector.Core.Extraction;

/// <summary>HTML: the visible text only. HtmlAgilityPack tolerates the broken markup real pages are full of.</summary>
internal sealed class HtmlReader : IFormatReader
{
    private static readonly HashSet<string> Invisible = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "head", "svg", "object", "iframe",
    };

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "table", "ul", "ol",
        "blockquote", "pre", "title", "header", "footer", "dd", "dt",
    };

    public IReadOnlyCollection<string> Extensions { get; } = [".html"];

    public void Read(Stream content, string extension, TextCollector text, CancellationToken ct)
    {
        var document = new HtmlDocument { OptionMaxNestedChildNodes = 2_000 };
        document.Load(content, detectEncodingFromByteOrderMarks: true);

        // The title is shown by browsers even though it lives in <head>.
        if (document.DocumentNode.SelectSingleNode("//title") is { } title)
        {
            text.Append(HtmlEntity.DeEntitize(title.InnerText));
            text.Break();
        }

        // An explicit stack instead of recursion: deeply nested pages must not overflow the stack.
        var stack = new Stack<HtmlNode>();
        stack.Push(document.DocumentNode);
        while (stack.Count > 0 && !text.IsFull)
        {
            ct.ThrowIfCancellationRequested();
            var node = stack.Pop();
            switch (node.NodeType)
            {
                case HtmlNodeType.Text:
                    text.Append(HtmlEntity.DeEntitize(((HtmlTextNode)node).Text));
                    continue;
                case HtmlNodeType.Comment:
                    continue;
                case HtmlNodeType.Element when Invisible.Contains(node.Name):
                    continue;
                case HtmlNodeType.Element when Blocks.Contains(node.Name):
                    text.Break();
                    break;
                case HtmlNodeType.Element:
                    text.Space();
                    break;
            }

            for (var child = node.LastChild; child is not null; child = child.PreviousSibling)
            {
                stack.Push(child);
            }
        }
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
