namespace S3Connector.Core.S3;

/// <summary>
/// A ListObjectsV2 answer said there is more (IsTruncated) but gave no NextContinuationToken to ask for it. Taking it
/// for the last page would end the listing early and delete the documents of every key not yet listed, so the
/// listing fails instead. Not retryable: a store that answers this way does so again.
/// </summary>
public sealed class TruncatedListingException : Exception
{
    public TruncatedListingException(string bucket, string prefix)
        : base($"S3 answered a truncated listing of s3://{bucket}/{prefix} without a continuation token.")
    {
        Bucket = bucket;
        Prefix = prefix;
    }

    public string Bucket { get; }

    public string Prefix { get; }
}
