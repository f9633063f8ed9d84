using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using S3Connector.Core.Documents;

namespace S3Connector.Core.S3;

public sealed record ListPage(
    IReadOnlyList<S3ObjectInfo> Objects,
    IReadOnlyList<string> CommonPrefixes,
    string? NextContinuationToken);

public sealed record FetchedObject(Stream Content, string? ContentType, IReadOnlyDictionary<string, string> Metadata) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Content.DisposeAsync();
}

/// <summary>The S3 calls the connector makes, in one place so their cost and errors are easy to see.</summary>
public sealed class S3Gateway(S3ClientFactory clients)
{
    public async Task<IReadOnlyList<string>> ListBucketsAsync(CancellationToken ct)
    {
        var buckets = new List<string>();
        string? token = null;
        do
        {
            var response = await clients.Default.ListBucketsAsync(new ListBucketsRequest { ContinuationToken = token }, ct);
            buckets.AddRange((response.Buckets ?? []).Select(b => b.BucketName));
            token = response.ContinuationToken;
        }
        while (!string.IsNullOrEmpty(token));

        return buckets;
    }

    /// <summary>GetBucketLocation, mapping S3's legacy answers: null or "" is us-east-1, "EU" is eu-west-1.</summary>
    public async Task<string> GetBucketRegionAsync(string bucket, CancellationToken ct)
    {
        var response = await clients.Default.GetBucketLocationAsync(new GetBucketLocationRequest { BucketName = bucket }, ct);
        return NormalizeLocation(response.Location?.Value);
    }

    public static string NormalizeLocation(string? location) => location switch
    {
        null or "" or "US" => "us-east-1",
        "EU" => "eu-west-1",
        _ => location,
    };

    /// <summary>Checks a bucket exists and can be listed, for the scheduler's fail-fast start and for validate.</summary>
    /// <param name="prefix">Probe inside the prefix the sync will list: a prefix excluded by the rules is never
    /// listed, and a role whose s3:ListBucket is limited to that prefix passes.</param>
    public Task ProbeBucketAsync(string bucket, string? region, string prefix, CancellationToken ct) =>
        clients.For(region).ListObjectsV2Async(
            new ListObjectsV2Request { BucketName = bucket, MaxKeys = 1, Prefix = prefix.Length == 0 ? null : prefix }, ct);

    /// <summary>One ListObjectsV2 request: at most <paramref name="maxKeys"/> keys of <paramref name="prefix"/> after
    /// <paramref name="startAfter"/> (or after the <paramref name="continuationToken"/>'s position).</summary>
    /// <param name="delimited">Delimiter '/': keys directly under the prefix, deeper ones as common prefixes.</param>
    public async Task<ListPage> ListAsync(
        string bucket, string? region, string prefix, bool delimited, string? startAfter, string? continuationToken, int maxKeys,
        CancellationToken ct)
    {
        var request = new ListObjectsV2Request
        {
            BucketName = bucket,
            Prefix = prefix.Length == 0 ? null : prefix,
            Delimiter = delimited ? "/" : null,
            MaxKeys = maxKeys,
            StartAfter = continuationToken is null ? startAfter : null,
            ContinuationToken = continuationToken,
            FetchOwner = true,
            // Keys may hold characters XML 1.0 cannot carry; with url encoding S3 escapes them (the SDK leaves them escaped).
            Encoding = EncodingType.Url,
            // Without it S3 leaves RestoreStatus out, and a restored GLACIER object would look archived again to
            // every full sync, which would then put its document back to metadata only.
            OptionalObjectAttributes = [OptionalObjectAttributes.RestoreStatus],
        };
        var response = await clients.For(region).ListObjectsV2Async(request, ct);
        return ToListPage(bucket, prefix, response);
    }

    /// <summary>
    /// One ListObjectsV2 answer as a page: keys and common prefixes decoded only when the answer says it is
    /// url-encoded (the SDK leaves them as sent), and a truncated answer without a token refused.
    /// </summary>
    /// <exception cref="TruncatedListingException">IsTruncated without a NextContinuationToken.</exception>
    public static ListPage ToListPage(string bucket, string prefix, ListObjectsV2Response response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.IsTruncated == true && string.IsNullOrEmpty(response.NextContinuationToken))
        {
            throw new TruncatedListingException(bucket, prefix);
        }

        // Several S3-compatible stores ignore encoding-type and answer raw keys: decoding those anyway turns
        // "a+b/" into "a b/" and "percent%20x" into "percent x", other keys whose objects then go missing.
        var encoded = IsUrlEncoded(response.Encoding);
        var objects = (response.S3Objects ?? []).Select(o => new S3ObjectInfo(
            bucket,
            ListedKey(o.Key, encoded),
            o.Size ?? 0,
            new DateTimeOffset(o.LastModified ?? DateTime.UnixEpoch, TimeSpan.Zero),
            (o.ETag ?? "").Trim('"'),
            string.IsNullOrEmpty(o.StorageClass?.Value) ? "STANDARD" : o.StorageClass.Value,
            o.Owner?.DisplayName ?? "",
            o.RestoreStatus is { IsRestoreInProgress: false, RestoreExpiryDate: not null })).ToList();
        return new ListPage(
            objects,
            (response.CommonPrefixes ?? []).Select(p => ListedKey(p, encoded)).ToList(),
            response.IsTruncated == true ? response.NextContinuationToken : null);
    }

    /// <summary>True when a listing answer says <c>&lt;EncodingType&gt;url&lt;/EncodingType&gt;</c>.</summary>
    public static bool IsUrlEncoded(EncodingType? encoding) =>
        string.Equals(encoding?.Value, EncodingType.Url.Value, StringComparison.OrdinalIgnoreCase);

    /// <summary>A key or prefix as a listing answered it: decoded when the answer was url-encoded, else as is.</summary>
    public static string ListedKey(string listed, bool urlEncoded) => urlEncoded ? DecodeKey(listed) : listed;

    /// <summary>The object's current state, or null when it does not exist (HEAD: the cheapest read S3 offers).</summary>
    public async Task<S3ObjectInfo?> HeadAsync(string bucket, string? region, string key, CancellationToken ct)
    {
        try
        {
            var response = await clients.For(region).GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = key }, ct);
            return new S3ObjectInfo(
                bucket,
                key,
                response.ContentLength,
                new DateTimeOffset(response.LastModified ?? DateTime.UnixEpoch, TimeSpan.Zero),
                (response.ETag ?? "").Trim('"'),
                string.IsNullOrEmpty(response.StorageClass?.Value) ? "STANDARD" : response.StorageClass.Value,
                "",
                response.RestoreExpiration is not null && response.RestoreInProgress != true);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// S3's url encoding, in url-encoded listings and in event notifications alike, is form-style: "+" is a space,
    /// everything else %XX of the UTF-8 bytes.
    /// </summary>
    public static string DecodeKey(string encoded) => WebUtility.UrlDecode(encoded);

    public async Task<FetchedObject> GetAsync(string bucket, string? region, string key, CancellationToken ct)
    {
        var response = await clients.For(region).GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key }, ct);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in response.Metadata.Keys)
        {
            var shortName = name.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase) ? name["x-amz-meta-".Length..] : name;
            metadata[shortName] = response.Metadata[name];
        }

        return new FetchedObject(response.ResponseStream, response.Headers.ContentType, metadata);
    }
}
