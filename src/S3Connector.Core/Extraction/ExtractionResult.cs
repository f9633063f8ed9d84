namespace S3Connector.Core.Extraction;

/// <param name="Text">The normalised text, or null when nothing could be extracted.</param>
/// <param name="FailureReason">A counter name from <see cref="Documents.ObjectReasons"/> when <paramref name="Text"/> is null.</param>
/// <param name="Detail">One sentence for the log: what exactly was wrong.</param>
public sealed record ExtractionResult(string? Text, string? FailureReason, string? Detail = null)
{
    public static ExtractionResult Ok(string text) => new(text, null);

    public static ExtractionResult Failed(string reason, string? detail = null) => new(null, reason, detail ?? reason);
}
