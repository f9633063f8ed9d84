using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Presentation;
using DocumentFormat.OpenXml.Spreadsheet;
using W = DocumentFormat.OpenXml.Wordprocessing;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;
using A = DocumentFormat.OpenXml.Drawing;
using NPOI.HSSF.UserModel;

namespace S3Connector.Testing;

/// <summary>
/// Real files of every format the connector extracts, generated here so no binary fixture has to be trusted:
/// OpenXml SDK writes docx/xlsx/pptx, PdfPig's builder writes PDF, NPOI writes xls, ODT is a zip with content.xml,
/// RTF is text.
/// </summary>
public static class SampleDocuments
{
    /// <summary>Text that must never reach <c>body</c>: it sits in script and style elements.</summary>
    public const string HiddenScript = "SCRIPTSECRETVALUE";
    public const string HiddenStyle = "STYLESECRETVALUE";

    /// <summary>Every supported extension, for tests that go through all of them.</summary>
    public static IReadOnlyList<string> SupportedExtensions { get; } =
    [
        ".txt", ".md", ".markdown", ".rst", ".csv", ".tsv", ".json", ".py", ".rb", ".sh", ".aspx", ".html", ".xml",
        ".svg", ".pdf", ".docx", ".xlsx", ".xlsm", ".xls", ".pptx", ".potx", ".odt", ".rtf",
    ];

    /// <summary>A file of the given format whose visible text contains <paramref name="sentence"/>.</summary>
    public static byte[] Create(string extension, string sentence) => extension switch
    {
        ".html" => Encoding.UTF8.GetBytes(
            $"<!DOCTYPE html><html><head><title>Sample</title><style>.x {{ content: '{HiddenStyle}' }}</style>" +
            $"<script>var s = '{HiddenScript}';</script></head><body><h1>Heading</h1><p>{Escape(sentence)}</p>" +
            $"<script type=\"module\">console.log('{HiddenScript}')</script></body></html>"),
        ".xml" => Encoding.UTF8.GetBytes(
            $"<?xml version=\"1.0\"?><!DOCTYPE note [<!ENTITY x \"y\">]><note><to>Reader</to><body>{Escape(sentence)}</body></note>"),
        ".svg" => Encoding.UTF8.GetBytes(
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><style>text {{ fill: red }} /* {HiddenStyle} */</style>" +
            $"<script>alert('{HiddenScript}')</script><text x=\"0\" y=\"5\">{Escape(sentence)}</text></svg>"),
        ".pdf" => Pdf(sentence),
        ".docx" => Docx(sentence),
        ".xlsx" => Xlsx(sentence, macroEnabled: false),
        ".xlsm" => Xlsx(sentence, macroEnabled: true),
        ".xls" => Xls(sentence),
        ".pptx" => Pptx(sentence, PresentationDocumentType.Presentation),
        ".potx" => Pptx(sentence, PresentationDocumentType.Template),
        ".odt" => Odt(sentence, encrypted: false),
        ".rtf" => Encoding.ASCII.GetBytes(
            "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Helvetica;}}{\\colortbl;\\red255\\green0\\blue0;}" +
            "{\\*\\generator Hand written;}{\\info{\\title Hidden title}}\\f0\\fs24 " + RtfEscape(sentence) + "\\par}"),
        ".json" => Encoding.UTF8.GetBytes($"{{\"text\": \"{sentence}\"}}"),
        _ => Encoding.UTF8.GetBytes(sentence + "\n"),
    };

    public static byte[] Pdf(string sentence, int pages = 1)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        for (var i = 0; i < pages; i++)
        {
            var page = builder.AddPage(595, 842);
            page.AddText(sentence, 12, new PdfPoint(25, 800), font);
            for (var line = 1; line < 60 && pages > 1; line++)
            {
                page.AddText($"Line {line} of page {i + 1} has some filler words for the benchmark.", 10, new PdfPoint(25, 800 - (line * 12)), font);
            }
        }

        return builder.Build();
    }

    public static byte[] Docx(string sentence, int paragraphs = 1)
    {
        using var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            var main = document.AddMainDocumentPart();
            var body = new W.Body(new W.Paragraph(new W.Run(new W.Text(sentence))));
            for (var i = 1; i < paragraphs; i++)
            {
                body.Append(new W.Paragraph(new W.Run(new W.Text($"Paragraph {i} holds filler words, {i * 7919 % 10007} of them."))));
            }

            main.Document = new W.Document(body);
        }

        return stream.ToArray();
    }

    public static byte[] Xlsx(string sentence, bool macroEnabled, int rows = 1)
    {
        using var stream = new MemoryStream();
        using (var document = SpreadsheetDocument.Create(stream, macroEnabled ? SpreadsheetDocumentType.MacroEnabledWorkbook : SpreadsheetDocumentType.Workbook))
        {
            var workbook = document.AddWorkbookPart();
            var strings = workbook.AddNewPart<SharedStringTablePart>();
            strings.SharedStringTable = new SharedStringTable(new SharedStringItem(new DocumentFormat.OpenXml.Spreadsheet.Text(sentence)));
            var sheet = workbook.AddNewPart<WorksheetPart>();
            var data = new SheetData(new Row(
                new Cell { CellReference = "A1", DataType = CellValues.SharedString, CellValue = new CellValue("0") },
                new Cell { CellReference = "B1", CellValue = new CellValue("42.5") }));
            for (var r = 2; r <= rows; r++)
            {
                data.Append(new Row(
                    new Cell { DataType = CellValues.InlineString, InlineString = new InlineString(new DocumentFormat.OpenXml.Spreadsheet.Text($"row {r} label")) },
                    new Cell { CellValue = new CellValue(r * 3.25) }));
            }

            sheet.Worksheet = new Worksheet(data);
            workbook.Workbook = new Workbook(new Sheets(new Sheet { Name = "Data", SheetId = 1, Id = workbook.GetIdOfPart(sheet) }));
        }

        return stream.ToArray();
    }

    /// <summary>The cell date on <see cref="Xls"/>'s second sheet.</summary>
    public static readonly DateTime XlsDate = new(2024, 3, 1);

    /// <summary>A formula on <see cref="Xls"/>'s second sheet; its result, "tide table", is what a reader sees.</summary>
    public const string XlsFormula = "CONCATENATE(\"tide \",\"table\")";

    /// <summary>
    /// An Excel 97-2003 workbook whose "Data" sheet holds what <see cref="Xlsx"/> writes, followed by a "Notes" sheet
    /// with a date cell, a formula and a text cell.
    /// </summary>
    public static byte[] Xls(string sentence, int rows = 1)
    {
        var workbook = new HSSFWorkbook();
        var data = workbook.CreateSheet("Data");
        var first = data.CreateRow(0);
        first.CreateCell(0).SetCellValue(sentence);
        first.CreateCell(1).SetCellValue(42.5);
        for (var r = 2; r <= rows; r++)
        {
            var row = data.CreateRow(r - 1);
            row.CreateCell(0).SetCellValue($"row {r} label");
            row.CreateCell(1).SetCellValue(r * 3.25);
        }

        var notes = workbook.CreateSheet("Notes");
        var date = notes.CreateRow(0).CreateCell(0);
        date.SetCellValue(XlsDate);
        var style = workbook.CreateCellStyle();
        style.DataFormat = HSSFDataFormat.GetBuiltinFormat("m/d/yy");
        date.CellStyle = style;
        var formula = notes.CreateRow(1).CreateCell(0);
        formula.SetCellFormula(XlsFormula);

        // Excel stores a formula's last result beside it; NPOI writes one only when the formula is evaluated.
        workbook.GetCreationHelper().CreateFormulaEvaluator().EvaluateFormulaCell(formula);
        notes.CreateRow(3).CreateCell(1).SetCellValue("Checked by the harbour master");
        using var stream = new MemoryStream();
        workbook.Write(stream);
        return stream.ToArray();
    }

    public static byte[] Pptx(string sentence, PresentationDocumentType type, int slides = 1)
    {
        using var stream = new MemoryStream();
        using (var document = PresentationDocument.Create(stream, type))
        {
            var presentation = document.AddPresentationPart();
            var ids = new SlideIdList();
            for (var i = 0; i < slides; i++)
            {
                var slide = presentation.AddNewPart<SlidePart>();
                var text = i == 0 ? sentence : $"Slide {i} says something about filler words.";
                slide.Slide = new Slide(new CommonSlideData(new ShapeTree(new DocumentFormat.OpenXml.Presentation.Shape(
                    new TextBody(new A.BodyProperties(), new A.Paragraph(new A.Run(new A.Text(text))))))));
                ids.Append(new SlideId { Id = (uint)(256 + i), RelationshipId = presentation.GetIdOfPart(slide) });
            }

            presentation.Presentation = new Presentation(ids);
        }

        return stream.ToArray();
    }

    public static byte[] Odt(string sentence, bool encrypted)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            Write(zip, "mimetype", "application/vnd.oasis.opendocument.text", CompressionLevel.NoCompression);
            Write(zip, "META-INF/manifest.xml",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\">" +
                "<manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.text\"/>" +
                "<manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\">" +
                (encrypted ? "<manifest:encryption-data manifest:checksum-type=\"SHA1/1K\" manifest:checksum=\"AAAA\"/>" : "") +
                "</manifest:file-entry></manifest:manifest>");
            Write(zip, "content.xml", encrypted
                ? "\u0001\u0002 not xml at all"
                : "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content " +
                  "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\">" +
                  $"<office:body><office:text><text:h>Title</text:h><text:p>{Escape(sentence)}</text:p></office:text></office:body></office:document-content>");
        }

        return stream.ToArray();
    }

    /// <summary>A PDF header followed by garbage: what a truncated or mangled upload looks like.</summary>
    public static byte[] CorruptPdf() => Encoding.ASCII.GetBytes("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\nthis is not a pdf\n%%EOF");

    /// <summary>What Office writes for a password-protected .docx: an OLE compound file, not a zip.</summary>
    public static byte[] EncryptedDocx()
    {
        var bytes = new byte[4096];
        new byte[] { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 }.CopyTo(bytes, 0);
        Encoding.Unicode.GetBytes("EncryptedPackage").CopyTo(bytes, 1024);
        return bytes;
    }

    /// <summary>A .docx-named zip whose one entry inflates from a few KB to 64 MB.</summary>
    public static byte[] ZipBomb()
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = zip.CreateEntry("word/document.xml", CompressionLevel.SmallestSize).Open();
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < 64; i++)
            {
                entry.Write(zeros);
            }
        }

        return stream.ToArray();
    }

    private static void Write(ZipArchive zip, string name, string content, CompressionLevel level = CompressionLevel.Optimal)
    {
        using var writer = new StreamWriter(zip.CreateEntry(name, level).Open(), new UTF8Encoding(false));
        writer.Write(content);
    }

    private static string Escape(string value) => System.Security.SecurityElement.Escape(value);

    private static string RtfEscape(string value)
    {
        var sb = new StringBuilder();
        foreach (var c in value)
        {
            if (c is '\\' or '{' or '}')
            {
                sb.Append('\\').Append(c);
            }
            else if (c > 127)
            {
                sb.Append("\\u").Append((short)c).Append('?');
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
