using System.Text.Json.Serialization;

namespace S3Connector.Core.Documents;

/// <summary>The indexed document, CONTRACT §2. Property names are the index's field names.</summary>
public sealed record S3Document
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("filename")] public required string Filename { get; init; }
    [JsonPropertyName("bucket")] public required string Bucket { get; init; }
    [JsonPropertyName("size_in_bytes")] public long SizeInBytes { get; init; }
    [JsonPropertyName("owner")] public string Owner { get; init; } = "";
    [JsonPropertyName("storage_class")] public string StorageClass { get; init; } = "STANDARD";
    [JsonPropertyName("_timestamp")] public required string Timestamp { get; init; }
    [JsonPropertyName("body")] public string? Body { get; init; }
    [JsonPropertyName("_attachment")] public byte[]? Attachment { get; init; }
    [JsonPropertyName("_extract_binary_content")] public bool? ExtractBinaryContent { get; init; }
    [JsonPropertyName("_reduce_whitespace")] public bool? ReduceWhitespace { get; init; }
    [JsonPropertyName("_run_ml_inference")] public bool? RunMlInference { get; init; }
    [JsonPropertyName("url")] public required string Url { get; init; }
    [JsonPropertyName("etag")] public string Etag { get; init; } = "";
    [JsonPropertyName("content_type")] public string? ContentType { get; init; }
    [JsonPropertyName("extension")] public string Extension { get; init; } = "";
    [JsonPropertyName("metadata")] public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Bookkeeping, for diagnosis: the full sync that last wrote this document (absent when an event did).</summary>
    [JsonPropertyName("s3c_sync_job_id")] public string? SyncJobId { get; init; }

    /// <summary>
    /// Bookkeeping: when the connector read the object's state from S3. It is also the document's external version, so
    /// a write based on an older reading never replaces a newer one, whatever order the writes arrive in; and a full
    /// sync deletes exactly the documents whose object it did not read after it started.
    /// </summary>
    [JsonPropertyName(ObservedAtField)] public required DateTimeOffset ObservedAt { get; init; }

    public const string ObservedAtField = "s3c_observed_at";

    /// <summary>
    /// Bookkeeping: what this document was made from — the object's ETag, size, LastModified and storage class, and
    /// the settings that shape a document (<see cref="DocumentFingerprint"/>). A full sync that lists the object with
    /// the same fingerprint neither downloads it nor writes it again.
    /// </summary>
    [JsonPropertyName(FingerprintField)] public string? Fingerprint { get; init; }

    public const string FingerprintField = "s3c_fingerprint";

    /// <summary>The external version of a write based on this reading.</summary>
    [JsonIgnore] public long Version => ObservedAt.ToUnixTimeMilliseconds();
}
