namespace S3Connector.Core.S3;

/// <summary>What a listing tells about one object.</summary>
public sealed record S3ObjectInfo(
    string Bucket,
    string Key,
    long Size,
    DateTimeOffset LastModified,
    string ETag,
    string StorageClass,
    string Owner,
    bool Restored = false);
