using System.Text.RegularExpressions;
using S3Connector.Core.Documents;
using S3Connector.IntegrationTests.Infrastructure;
using S3Connector.Testing;

namespace S3Connector.IntegrationTests;

/// <summary>
/// Full syncs as a user runs them, written once against <see cref="S3SyncStack"/> and run on fauxqs
/// (<see cref="FullSyncTests"/>) and on moto (<see cref="MotoFullSyncTests"/>).
/// </summary>
public abstract class FullSyncScenarios<TStack>(TStack stack) where TStack : S3SyncStack
{
    /// <summary>5,000+ keys over nested prefixes, with the characters that break naive code.</summary>
    protected static List<(string Key, string Content)> TrickyObjects(int count, string salt)
    {
        var objects = new List<(string, string)>();
        for (var i = 0; objects.Count < count; i++)
        {
            var folder = $"top{i % 7}/mid{i % 5}/{(i % 3 == 0 ? "deep/" : "")}";
            objects.Add((i % 10) switch
            {
                0 => ($"{folder}with space {salt}{i}.txt", $"Plain text number {i} about lighthouses."),
                1 => ($"{folder}plus+sign{salt}{i}.md", $"# Title {i}"),
                2 => ($"{folder}percent%20{salt}{i}.json", $"{{\"n\":{i}}}"),
                3 => ($"ünïcödé/日本語-{salt}{i}.txt", $"Non-ASCII key {i}"),
                4 => ($"{folder}emoji-😀-{salt}{i}", "binary-ish"),
                5 => ($"{folder}folder-{salt}{i}/", ""),
                6 => ($"root-level-{salt}{i}.bin", "bytes"),
                7 => ($"{folder}UPPER-{salt}{i}.TXT", $"Upper-case extension {i}"),
                8 => ($"{folder}punct!$&'()*,;=@-{salt}{i}.csv", "a,b\n1,2"),
                _ => ($"{folder}plain-{salt}{i}.png", "png"),
            });
        }

        return objects;
    }

    [Fact]
    public async Task Full_sync_indexes_every_object_once_and_a_second_sync_follows_the_bucket()
    {
        var bucket = await stack.CreateBucketAsync("full");
        var objects = TrickyObjects(5_000, "");
        await stack.PutManyAsync(bucket, objects);
        var index = SyncStack.NewName("full");
        var config = stack.WriteConfig(index, [bucket]);

        var first = await SyncStack.RunCliAsync("sync", "--config", config);

        Assert.True(first.ExitCode == 0, first.Error + first.Output);
        Assert.Contains("completed", first.Output, StringComparison.Ordinal);
        var documents = await stack.ReadIndexAsync(index);
        Assert.Equal(ExpectedIds(bucket, objects.Select(o => o.Key)), documents.Keys.Order(StringComparer.Ordinal));
        AssertContractFields(bucket, objects, documents);

        // Delete 100, add 50: the second sync must leave the index equal to the bucket.
        var deleted = objects.Where((_, i) => i % 50 == 0).Take(100).ToList();
        foreach (var (key, _) in deleted)
        {
            await stack.S3.DeleteObjectAsync(bucket, key);
        }

        var added = TrickyObjects(50, "new-");
        await stack.PutManyAsync(bucket, added);
        var remaining = objects.Except(deleted).Concat(added).ToList();

        var second = await SyncStack.RunCliAsync("sync", "--config", config);

        Assert.True(second.ExitCode == 0, second.Error + second.Output);
        Assert.Matches(@"deleted\s+100\b", second.Output);
        var after = await stack.ReadIndexAsync(index);
        Assert.Equal(ExpectedIds(bucket, remaining.Select(o => o.Key)), after.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Sync_through_a_real_sqs_queue_completes()
    {
        var bucket = await stack.CreateBucketAsync("sqs");
        var objects = TrickyObjects(300, "sqs-");
        await stack.PutManyAsync(bucket, objects);
        using var sqs = stack.S3Stack.CreateSqsClient();
        var queueUrl = (await sqs.CreateQueueAsync(SyncStack.NewName("work"))).QueueUrl;
        var index = SyncStack.NewName("sqs");

        var result = await SyncStack.RunCliAsync("sync", "--config", stack.WriteConfig(index, [bucket]), "--queue-url", queueUrl);

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        var documents = await stack.ReadIndexAsync(index);
        Assert.Equal(ExpectedIds(bucket, objects.Select(o => o.Key)), documents.Keys.Order(StringComparer.Ordinal));
    }

    protected static IEnumerable<string> ExpectedIds(string bucket, IEnumerable<string> keys) =>
        keys.Select(k => ObjectKeys.DocumentId(bucket, k)).Order(StringComparer.Ordinal);

    private static void AssertContractFields(
        string bucket, List<(string Key, string Content)> objects, Dictionary<string, System.Text.Json.Nodes.JsonObject> documents)
    {
        foreach (var (key, content) in objects.Where((_, i) => i % 97 == 0 || i < 20))
        {
            var id = ObjectKeys.DocumentId(bucket, key);
            var doc = documents[id];
            Assert.Equal(id, doc["id"]!.GetValue<string>());
            Assert.Equal(key, doc["filename"]!.GetValue<string>());
            Assert.Equal(bucket, doc["bucket"]!.GetValue<string>());
            Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(content), doc["size_in_bytes"]!.GetValue<long>());
            Assert.Equal($"s3://{bucket}/{key}", doc["url"]!.GetValue<string>());
            Assert.Equal(ObjectKeys.Extension(key), doc["extension"]!.GetValue<string>());
            Assert.Equal("STANDARD", doc["storage_class"]!.GetValue<string>());
            Assert.Matches(ContractPatterns.Timestamp(), doc["_timestamp"]!.GetValue<string>());
            Assert.Matches("^[0-9a-f]{32}$", doc["etag"]!.GetValue<string>());
            var extension = ObjectKeys.Extension(key);
            if (extension is ".txt" or ".md" or ".json" or ".csv" && !key.EndsWith('/'))
            {
                Assert.Equal(content.Split('\n')[0], doc["body"]!.GetValue<string>().Split('\n')[0]);
            }
            else
            {
                Assert.Null(doc["body"]);
            }
        }
    }
}

internal static partial class ContractPatterns
{
    /// <summary>CONTRACT §2's <c>_timestamp</c>: ISO 8601 in UTC, to the second, with an explicit offset.</summary>
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")]
    public static partial Regex Timestamp();
}

/// <summary>The full-sync scenarios on fauxqs, and what only fauxqs can do: fail SQS receives.</summary>
public sealed class FullSyncTests(SyncStack stack) : FullSyncScenarios<SyncStack>(stack), IClassFixture<SyncStack>
{
    private readonly SyncStack stack = stack;

    [Fact]
    public async Task Sync_through_a_real_sqs_queue_survives_failing_receives()
    {
        var bucket = await stack.CreateBucketAsync("sqsfaults");
        var objects = TrickyObjects(200, "sqsfaults-");
        await stack.PutManyAsync(bucket, objects);
        using var sqs = stack.Aws.CreateSqsClient();
        var queueUrl = (await sqs.CreateQueueAsync(new Amazon.SQS.Model.CreateQueueRequest
        {
            QueueName = SyncStack.NewName("workfaults"),
            Attributes = new() { ["VisibilityTimeout"] = "3" },
        })).QueueUrl;
        var index = SyncStack.NewName("sqsfaults");
        // More failures than the SDK retries and than there are pollers: a poller that gave up on its first error
        // would leave the job with nobody to work it.
        await stack.Aws.InjectFaultAsync(new LocalStackFault { Operation = "ReceiveMessage", Status = 500, Code = "InternalError", Count = 16 });
        SyncStack.CliResult result;
        try
        {
            result = await SyncStack.RunCliAsync("sync", "--config", stack.WriteConfig(index, [bucket]), "--queue-url", queueUrl);
        }
        finally
        {
            await stack.Aws.ClearFaultsAsync();
        }

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        var documents = await stack.ReadIndexAsync(index);
        Assert.Equal(ExpectedIds(bucket, objects.Select(o => o.Key)), documents.Keys.Order(StringComparer.Ordinal));
    }
}

/// <summary>The full-sync scenarios on moto, an S3 that was not patched to the connector's needs.</summary>
public sealed class MotoFullSyncTests(MotoStack stack) : FullSyncScenarios<MotoStack>(stack), IClassFixture<MotoStack>;

