using System.Globalization;
using System.IO.Compression;
using System.Xml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Presentation;
using DocumentFormat.OpenXml.Spreadsheet;

namespace S3Connector.Core.Extraction;

/// <summary>
/// Word, Excel and PowerPoint (Office Open XML). The SDK finds the parts (relationships, content types, macro and
/// template variants); each part is then streamed with an XmlReader, so memory does not grow with the document.
/// </summary>
internal sealed class OfficeOpenXmlReader : IFormatReader
{
    private static readonly OpenSettings Settings = new() { AutoSave = false, MaxCharactersInPart = ZipGuard.MaxUncompressedBytes };

    public IReadOnlyCollection<string> Extensions { get; } = [".docx", ".xlsx", ".xlsm", ".pptx", ".potx"];

    public void Read(Stream content, string extension, TextCollector text, CancellationToken ct)
    {
        ZipGuard.RejectOleContainer(content);
        ZipGuard.Check(content);
        switch (extension)
        {
            case ".docx":
                ReadWord(content, text, ct);
                break;
            case ".xlsx" or ".xlsm":
                ReadSpreadsheet(content, text, ct);
                break;
            default:
                ReadPresentation(content, text, ct);
                break;
        }
    }

    private static void ReadWord(Stream content, TextCollector text, CancellationToken ct)
    {
        using var document = WordprocessingDocument.Open(content, false, Settings);
        var main = document.MainDocumentPart ?? throw new InvalidDataException("the package has no main document part");
        ReadRuns(main, text, ct);
        foreach (var part in main.HeaderParts.Cast<OpenXmlPart>().Concat(main.FooterParts))
        {
            ReadRuns(part, text, ct);
        }

        if (main.FootnotesPart is { } footnotes)
        {
            ReadRuns(footnotes, text, ct);
        }

        if (main.EndnotesPart is { } endnotes)
        {
            ReadRuns(endnotes, text, ct);
        }
    }

    private static void ReadPresentation(Stream content, TextCollector text, CancellationToken ct)
    {
        using var document = PresentationDocument.Open(content, false, Settings);
        var presentation = document.PresentationPart ?? throw new InvalidDataException("the package has no presentation part");
        var slideIds = presentation.Presentation?.SlideIdList?.Elements<SlideId>() ?? [];
        foreach (var slideId in slideIds)
        {
            if (slideId.RelationshipId?.Value is { } rel && presentation.TryGetPartById(rel, out var part) && part is SlidePart slide)
            {
                ReadRuns(slide, text, ct);
                if (slide.NotesSlidePart is { } notes)
                {
                    ReadRuns(notes, text, ct);
                }

                text.Break();
            }
        }

        // Templates often have no slides: their text is on the layouts and masters.
        if (!slideIds.Any())
        {
            foreach (var master in presentation.SlideMasterParts)
            {
                ReadRuns(master, text, ct);
                foreach (var layout in master.SlideLayoutParts)
                {
                    ReadRuns(layout, text, ct);
                }
            }
        }
    }

    private static void ReadSpreadsheet(Stream content, TextCollector text, CancellationToken ct)
    {
        using var document = SpreadsheetDocument.Open(content, false, Settings);
        var workbook = document.WorkbookPart ?? throw new InvalidDataException("the package has no workbook part");
        var shared = workbook.SharedStringTablePart is { } sst ? ReadSharedStrings(sst, text.MaxChars * 2L, ct) : [];
        foreach (var sheet in workbook.Workbook?.Sheets?.Elements<Sheet>() ?? [])
        {
            if (sheet.Id?.Value is { } rel && workbook.TryGetPartById(rel, out var part) && part is WorksheetPart worksheet)
            {
                text.Append(sheet.Name?.Value);
                text.Break();
                ReadCells(worksheet, shared, text, ct);
                text.Break();
            }
        }
    }

    /// <summary>The strings cells point to, up to a total length: strings past the cap would be cut anyway.</summary>
    private static List<string> ReadSharedStrings(OpenXmlPart part, long maxChars, CancellationToken ct)
    {
        var strings = new List<string>();
        long total = 0;
        using var reader = Open(part);
        var item = new System.Text.StringBuilder();
        while (reader.Read() && total < maxChars)
        {
            ct.ThrowIfCancellationRequested();
            if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "t")
            {
                item.Append(reader.ReadElementContentAsString());
                if (reader.NodeType == XmlNodeType.EndElement && reader.LocalName == "si")
                {
                    Flush();
                }
            }
            else if (reader.NodeType == XmlNodeType.EndElement && reader.LocalName == "si")
            {
                Flush();
            }
        }

        return strings;

        void Flush()
        {
            total += item.Length;
            strings.Add(item.ToString());
            item.Clear();
        }
    }

    private static void ReadCells(OpenXmlPart part, List<string> shared, TextCollector text, CancellationToken ct)
    {
        using var reader = Open(part);
        string? type = null;
        var more = reader.Read();
        while (more && !text.IsFull)
        {
            ct.ThrowIfCancellationRequested();
            if (reader.NodeType == XmlNodeType.Element)
            {
                switch (reader.LocalName)
                {
                    case "c":
                        type = reader.GetAttribute("t");
                        break;
                    case "v":
                        var value = reader.ReadElementContentAsString();
                        if (type == "s")
                        {
                            if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < shared.Count)
                            {
                                text.Append(shared[i]);
                            }
                        }
                        else
                        {
                            text.Append(value);
                        }

                        text.Space();
                        continue;
                    case "t":
                        // An inline string (t="inlineStr").
                        text.Append(reader.ReadElementContentAsString());
                        text.Space();
                        continue;
                    case "f":
                        // Formulas are not what a reader sees; their cached value is in <v>.
                        reader.Skip();
                        continue;
                }
            }
            else if (reader.NodeType == XmlNodeType.EndElement && reader.LocalName == "row")
            {
                text.Break();
            }

            more = reader.Read();
        }
    }

    /// <summary>WordprocessingML and DrawingML runs: text is in &lt;t&gt;, paragraphs end at &lt;/p&gt;.</summary>
    private static void ReadRuns(OpenXmlPart part, TextCollector text, CancellationToken ct)
    {
        using var reader = Open(part);
        var more = reader.Read();
        while (more && !text.IsFull)
        {
            ct.ThrowIfCancellationRequested();
            if (reader.NodeType == XmlNodeType.Element)
            {
                switch (reader.LocalName)
                {
                    case "t":
                        text.Append(reader.ReadElementContentAsString());
                        continue;
                    case "tab":
                        text.Space();
                        break;
                    case "br" or "cr":
                        text.Break();
                        break;
                }
            }
            else if (reader.NodeType == XmlNodeType.EndElement && reader.LocalName == "p")
            {
                text.Break();
            }

            more = reader.Read();
        }
    }

    private static XmlReader Open(OpenXmlPart part) =>
        XmlReader.Create(new LimitedReadStream(part.GetStream(FileMode.Open, FileAccess.Read), ZipGuard.MaxUncompressedBytes),
            XmlMarkupReader.Settings);
}

/// <summary>
/// OpenDocument text: a zip whose content.xml holds the text. No served library reads ODF, and the text part is
/// a plain XML stream, so this is a few lines over ZipArchive and XmlReader.
/// </summary>
internal sealed class OdtReader : IFormatReader
{
    private static readonly HashSet<string> Invisible = new(StringComparer.Ordinal) { "tracked-changes", "font-face-decls" };

    public IReadOnlyCollection<string> Extensions { get; } = [".odt"];

    public void Read(Stream content, string extension, TextCollector text, CancellationToken ct)
    {
        ZipGuard.Check(content);
        using var zip = new ZipArchive(content, ZipArchiveMode.Read, leaveOpen: true);
        if (zip.GetEntry("META-INF/manifest.xml") is { } manifest)
        {
            using var reader = XmlReader.Create(new LimitedReadStream(manifest.Open(), 16 * 1024 * 1024), XmlMarkupReader.Settings);
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "encryption-data")
                {
                    throw new EncryptedContentException("the OpenDocument package is encrypted");
                }
            }
        }

        var entry = zip.GetEntry("content.xml") ?? throw new InvalidDataException("the package has no content.xml");
        using var xml = XmlReader.Create(new LimitedReadStream(entry.Open(), ZipGuard.MaxUncompressedBytes), XmlMarkupReader.Settings);
        var more = xml.Read();
        while (more && !text.IsFull)
        {
            ct.ThrowIfCancellationRequested();
            if (xml.NodeType == XmlNodeType.Element && Invisible.Contains(xml.LocalName))
            {
                xml.Skip();
                more = !xml.EOF;
                continue;
            }

            switch (xml.NodeType)
            {
                case XmlNodeType.Element when xml.LocalName is "tab" or "s":
                    text.Space();
                    break;
                case XmlNodeType.Element when xml.LocalName == "line-break":
                    text.Break();
                    break;
                case XmlNodeType.EndElement when xml.LocalName is "p" or "h":
                    text.Break();
                    break;
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace:
                    text.Append(xml.Value);
                    break;
            }

            more = xml.Read();
        }
    }
}
