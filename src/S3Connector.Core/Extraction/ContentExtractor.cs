using System.Xml;
using S3Connector.Core.Documents;

namespace S3Connector.Core.Extraction;

/// <summary>
/// Local extraction (CONTRACT §1 <c>extraction: local</c>): picks the reader for the extension and turns every way a
/// file can be bad into a reason, so one file never hurts the batch.
/// </summary>
public sealed class ContentExtractor : ITextExtractor
{
    /// <summary>
    /// Raise whenever a reader would now extract other text from the same bytes: it is part of every document's
    /// fingerprint, so the next full sync downloads and extracts every object again instead of keeping old bodies.
    /// </summary>
    public const int Version = 1;

    private readonly Dictionary<string, IFormatReader> _readers = new(StringComparer.Ordinal);

    public ContentExtractor()
    {
        IFormatReader[] readers =
        [
            new PlainTextReader(), new HtmlReader(), new XmlMarkupReader(), new PdfReader(), new OfficeOpenXmlReader(),
            new OdtReader(), new RtfReader(), new XlsReader(),
        ];
        foreach (var reader in readers)
        {
            foreach (var extension in reader.Extensions)
            {
                _readers.Add(extension, reader);
            }
        }
    }

    /// <summary>The extensions with a reader; the rest of CONTRACT §2's list is indexed as "unsupported_format".</summary>
    public IReadOnlyCollection<string> SupportedExtensions => _readers.Keys;

    public bool CanExtract(string extension) => _readers.ContainsKey(extension);

    public async Task<ExtractionResult> ExtractAsync(Stream content, string extension, int maxChars, CancellationToken ct)
    {
        if (!_readers.TryGetValue(extension, out var reader))
        {
            return ExtractionResult.Failed(ObjectReasons.UnsupportedFormat, $"no reader for {extension}");
        }

        // Zip and PDF readers jump around the file; the document builder hands over a seekable spool already.
        var seekable = content;
        if (!content.CanSeek)
        {
            seekable = new MemoryStream();
            await content.CopyToAsync(seekable, ct);
            seekable.Position = 0;
        }

        try
        {
            // The readers are synchronous CPU work: off the I/O threads, and abandoned (WaitAsync) if they overrun the
            // time limit without reaching one of their cancellation checks.
            var text = new TextCollector(maxChars);
            await Task.Run(() => reader.Read(seekable, extension, text, ct), ct).WaitAsync(ct);
            return ExtractionResult.Ok(text.ToNormalized());
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Classify(e);
        }
        finally
        {
            if (!ReferenceEquals(seekable, content))
            {
                await seekable.DisposeAsync();
            }
        }
    }

    private static ExtractionResult Classify(Exception e) => e switch
    {
        ZipBombException => ExtractionResult.Failed(ObjectReasons.ZipBomb, e.Message),
        EncryptedContentException => ExtractionResult.Failed(ObjectReasons.Encrypted, e.Message),
        XmlException or InvalidDataException or IOException => ExtractionResult.Failed(ObjectReasons.Corrupt, e.Message),
        _ => ExtractionResult.Failed(ObjectReasons.Corrupt, $"{e.GetType().Name}: {e.Message}"),
    };
}
