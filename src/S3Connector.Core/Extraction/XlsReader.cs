using System.Globalization;
using System.Text;
using ExcelDataReader;
using ExcelDataReader.Exceptions;

namespace S3Connector.Core.Extraction;

/// <summary>
/// Excel 97-2003 workbooks (BIFF5/BIFF8 in an OLE compound file) through ExcelDataReader, row by row: the library
/// reads a sheet in row blocks, so stopping at the body cap leaves the rest of the sheet unread. The layout matches
/// <see cref="OfficeOpenXmlReader"/>'s spreadsheets: sheet name, then cells separated by spaces and rows by lines.
/// </summary>
/// <remarks>
/// .xlsb stays metadata only: ExcelDataReader reads it from 3.7.0 on, and 3.6.0 is the version the registry serves.
/// </remarks>
internal sealed class XlsReader : IFormatReader
{
    /// <summary>Excel 97-2003's sheet height.</summary>
    private const int MaxRows = 65_536;

    static XlsReader()
    {
        // BIFF strings before BIFF8, and the library's default fallback encoding (1252), are Windows code pages,
        // which .NET only knows once this provider is registered; the library looks them up by name, globally.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
    }

    public IReadOnlyCollection<string> Extensions { get; } = [".xls"];

    public void Read(Stream content, string extension, TextCollector text, CancellationToken ct)
    {
        try
        {
            // CreateBinaryReader, not CreateReader: a zip under an .xls name must not reach the OpenXml path unguarded.
            using var reader = ExcelReaderFactory.CreateBinaryReader(content, new ExcelReaderConfiguration { LeaveOpen = true });
            do
            {
                // The library steps through the declared row range and yields only rows that exist, so a forged
                // dimension would spin inside one Read(), past every cancellation check; no real sheet is that tall.
                if (reader.RowCount is < 0 or > MaxRows)
                {
                    throw new InvalidDataException($"sheet '{reader.Name}' declares {reader.RowCount} rows (BIFF holds {MaxRows})");
                }

                text.Append(reader.Name);
                text.Break();
                while (!text.IsFull && reader.Read())
                {
                    ct.ThrowIfCancellationRequested();
                    ReadRow(reader, text);
                }

                text.Break();
            }
            while (!text.IsFull && reader.NextResult());
        }
        catch (InvalidPasswordException e)
        {
            throw new EncryptedContentException($"the workbook is password-protected: {e.Message}");
        }
    }

    private static void ReadRow(IExcelDataReader reader, TextCollector text)
    {
        var empty = true;
        for (var i = 0; i < reader.FieldCount && !text.IsFull; i++)
        {
            if (Format(reader.GetValue(i)) is { Length: > 0 } value)
            {
                text.Append(value);
                text.Space();
                empty = false;
            }
        }

        // Blank rows between tables would otherwise turn into paragraph breaks, which mark sheet boundaries.
        if (!empty)
        {
            text.Break();
        }
    }

    /// <summary>The cell's value as invariant text; dates as ISO 8601, since the number format is locale-specific.</summary>
    private static string? Format(object? value) => value switch
    {
        null => null,
        string s => s,
        DateTime d when d.TimeOfDay == TimeSpan.Zero => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
