namespace S3Connector.Core.Extraction;

public interface ITextExtractor
{
    bool CanExtract(string extension);

    /// <summary>Extracts plain text. Never throws for bad content: a failure is a value with its reason.</summary>
    Task<ExtractionResult> ExtractAsync(Stream content, string extension, int maxChars, CancellationToken ct);
}
