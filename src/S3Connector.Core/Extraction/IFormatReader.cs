namespace S3Connector.Core.Extraction;

/// <summary>A format-specific reader; may throw on bad content (the caller turns exceptions into reasons).</summary>
internal interface IFormatReader
{
    IReadOnlyCollection<string> Extensions { get; }

    /// <summary>Reads text into <paramref name="text"/> until it is full. <paramref name="content"/> is seekable.</summary>
    void Read(Stream content, string extension, TextCollector text, CancellationToken ct);
}
