using System.Text.Json.Nodes;
using Amazon.S3.Model;
using S3Connector.Core.Documents;
using S3Connector.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace S3Connector.IntegrationTests;

/// <summary>
/// Keys that URL decoding changes, synced from a store that encodes listings as S3 does and from one that ignores
/// <c>encoding-type=url</c>: in both the index must hold exactly the bucket's keys.
/// </summary>
public sealed class ListingEncodingTests(SyncStack stack, ITestOutputHelper output) : IClassFixture<SyncStack>
{
    /// <summary>The emulator answers encoded keys with EncodingType url, as S3 does.</summary>
    public const string EncodedLikeS3 = "encoded-like-s3";

    /// <summary>The emulator answers raw keys and no EncodingType, as stores that ignore the parameter do.</summary>
    public const string EncodingTypeIgnored = "encoding-type-ignored";

    // "a b/decoy.txt" is what a wrong decode of "a+b/" lists instead, so a decoded prefix cannot pass unseen.
    private static readonly string[] OddKeys =
    [
        "a+b/c.txt", "a+b/sub dir/d+e.txt", "a b/decoy.txt", "plus+sign.txt", "percent%20literal.txt", "100%.txt",
        "space name.txt", "ümlaut/é.txt", "emoji-😀.txt", "\uE000-private.txt",
    ];

    private async Task<string> SeedOddKeysAsync()
    {
        var bucket = await stack.CreateBucketAsync("enc");
        await stack.PutManyAsync(bucket, OddKeys.Select(k => (k, "content of " + k)));
        // The raw listing proves the bucket holds exactly these keys, so a mismatch later is the connector's.
        var stored = await stack.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        Assert.Equal(OddKeys.Order(StringComparer.Ordinal), stored.S3Objects.Select(o => o.Key).Order(StringComparer.Ordinal));
        return bucket;
    }

    public static TheoryData<string> Shapes => [EncodedLikeS3, EncodingTypeIgnored];

    private async Task SyncToCompletionAsync(string shape, string config)
    {
        await stack.Aws.IgnoreEncodingTypeAsync(shape == EncodingTypeIgnored);
        SyncStack.CliResult result;
        try
        {
            result = await SyncStack.RunCliAsync("sync", "--config", config);
        }
        finally
        {
            await stack.Aws.IgnoreEncodingTypeAsync(false);
        }

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.Contains(" completed ", result.Output, StringComparison.Ordinal);
    }

    private async Task AssertIndexHoldsExactlyAsync(string index, string bucket, IEnumerable<string> keys)
    {
        var expected = keys.Order(StringComparer.Ordinal).ToList();
        var documents = await stack.ReadIndexAsync(index);
        Assert.Equal(expected, documents.Values.Select(d => d["filename"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(expected.Select(k => ObjectKeys.DocumentId(bucket, k)).Order(StringComparer.Ordinal), documents.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Full_sync_indexes_exactly_the_bucket_keys(string shape)
    {
        var bucket = await SeedOddKeysAsync();
        var index = SyncStack.NewName("enc");
        // Pages of 3 make continuation tokens follow odd keys too.
        var config = stack.WriteConfig(index, [bucket], c => c["page_size"] = 3);

        await SyncToCompletionAsync(shape, config);

        await AssertIndexHoldsExactlyAsync(index, bucket, OddKeys);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Advanced_rule_prefixes_with_plus_and_percent_list_exactly_their_keys(string shape)
    {
        var bucket = await SeedOddKeysAsync();
        var index = SyncStack.NewName("encrule");
        string[] prefixes = ["a+b/", "percent%20"];
        var config = stack.WriteConfig(index, ["ignored-when-advanced-rules-are-set"], c => c["advanced_sync_rules"] = new JsonArray(
            prefixes.Select(p => (JsonNode)new JsonObject { ["bucket"] = bucket, ["prefix"] = p }).ToArray()));

        await SyncToCompletionAsync(shape, config);

        await AssertIndexHoldsExactlyAsync(index, bucket,
            OddKeys.Where(k => prefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))));
    }

    [Theory]
    [InlineData("start-after=dir1")] // the key range after the folder dir1/ (a worker), which holds keys[1]
    [InlineData("delimiter=")] // the scheduler's fan-out over the top-level prefixes
    public async Task A_truncated_listing_without_a_token_fails_the_sync_and_deletes_nothing(string listingQuery)
    {
        var bucket = await stack.CreateBucketAsync("trunc");
        var keys = Enumerable.Range(0, 40).Select(i => $"dir{i % 4}/file {i}.txt").ToList();
        await stack.PutManyAsync(bucket, keys.Select(k => (k, "content of " + k)));
        var index = SyncStack.NewName("trunc");
        var config = stack.WriteConfig(index, [bucket]);
        var first = await SyncStack.RunCliAsync("sync", "--config", config);
        Assert.True(first.ExitCode == 0, first.Error + first.Output);
        await stack.S3.DeleteObjectAsync(bucket, keys[1]);

        await stack.Aws.InjectTruncatedListingAsync(bucket, count: -1, queryContains: listingQuery);
        SyncStack.CliResult result;
        try
        {
            result = await SyncStack.RunCliAsync("sync", "--config", config);
        }
        finally
        {
            await stack.Aws.ClearFaultsAsync();
        }

        output.WriteLine(result.Output + result.Error);
        Assert.True(result.ExitCode == 1, result.Error + result.Output);
        Assert.DoesNotContain(" completed ", result.Output, StringComparison.Ordinal);
        Assert.Contains($"S3 answered a truncated listing of s3://{bucket}/", result.Output + result.Error, StringComparison.Ordinal);
        Assert.Contains("without a continuation token", result.Output + result.Error, StringComparison.Ordinal);
        // The failed range deletes nothing: the deleted object's document survives.
        Assert.Equal(keys.Count, (await stack.ReadIndexAsync(index)).Count);
    }
}
