using System.Text.Json.Serialization;

namespace S3Connector.Core.Sync;

/// <summary>One prefix of one bucket that a full sync lists whole (the bucket, or an advanced rule's prefix).</summary>
public sealed record ListingScope(
    [property: JsonPropertyName("bucket")] string Bucket,
    [property: JsonPropertyName("prefix")] string Prefix);
