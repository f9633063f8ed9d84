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
    [JsonPropertyName("_attachment")] public string? Attachment { get; init; }
    [JsonPropertyName("_extract_binary_content")] public bool? ExtractBinaryContent { get; init; }
    [JsonPropertyName("_reduce_whitespace")] public bool? ReduceWhitespace { get; init; }
    [JsonPropertyName("_run_ml_inference")] public bool? RunMlInference { get; init; }
    [JsonPropertyName("url")] public required string Url { get; init; }
    [JsonPropertyName("etag")] public string Etag { get; init; } = "";
    [JsonPropertyName("content_type")] public string? ContentType { get; init; }
    [JsonPropertyName("extension")] public string Extension { get; init; } = "";
    [JsonPropertyName("metadata")] public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Bookkeeping: the full sync that last wrote this document; a sync deletes documents it did not stamp.</summary>
    [JsonPropertyName(SyncJobField)] public string? SyncJobId { get; init; }

    public const string SyncJobField = "s3c_sync_job_id";
}
