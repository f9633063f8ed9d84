using Amazon.S3;
using Amazon.S3.Model;

namespace S3Connector.Bench;

/// <summary>Seeding, changing and counting a bench bucket with plain SDK calls, outside the connector.</summary>
public static class BenchObjects
{
    /// <summary>
    /// PUTs every object with many requests in flight: the emulator answers each PUT in about a millisecond, so one
    /// at a time would make seeding, not the sync, the slow part of a large bench.
    /// </summary>
    public static async Task PutAsync(IAmazonS3 s3, string bucket, IEnumerable<(string Key, string Content)> objects, int parallelism = 32) =>
        await Parallel.ForEachAsync(objects, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (o, ct) =>
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = o.Key, ContentBody = o.Content }, ct));

    /// <summary>Deletes the keys with DeleteObjects, 1,000 a request (S3's limit), and fails unless every key was removed.</summary>
    public static async Task DeleteAsync(IAmazonS3 s3, string bucket, IReadOnlyCollection<string> keys)
    {
        foreach (var chunk in keys.Chunk(1000))
        {
            var response = await s3.DeleteObjectsAsync(new DeleteObjectsRequest
            {
                BucketName = bucket,
                Objects = [.. chunk.Select(k => new KeyVersion { Key = k })],
            });
            if (response.DeleteErrors is { Count: > 0 } errors)
            {
                throw new InvalidOperationException($"deleting from {bucket} failed for {errors.Count} keys, first {errors[0].Key}: {errors[0].Message}");
            }
        }
    }

    /// <summary>A plain sequential listing of the whole bucket: the keys and the number of ListObjectsV2 pages it took.</summary>
    public static async Task<(long Keys, int Pages)> ListAllAsync(IAmazonS3 s3, string bucket, int maxKeys = 1000)
    {
        long keys = 0;
        var pages = 0;
        string? token = null;
        do
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = token, MaxKeys = maxKeys });
            keys += page.S3Objects?.Count ?? 0;
            pages++;
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);

        return (keys, pages);
    }
}
