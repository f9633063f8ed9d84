using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using S3Connector.Cli.Queue;
using S3Connector.Core;
using S3Connector.Core.Configuration;
using S3Connector.Core.Documents;
using S3Connector.Core.Jobs;
using S3Connector.Core.Queue;
using S3Connector.Core.Sync;
using S3Connector.Functions.Handlers;
using S3Connector.Functions.Runtime;
using S3Connector.IntegrationTests.Infrastructure;

namespace S3Connector.IntegrationTests;

public sealed class FailureTests(SyncStack stack) : IClassFixture<SyncStack>
{
    private async Task<(string Bucket, List<string> Keys)> SeedBucketAsync(int count = 120)
    {
        var bucket = await stack.CreateBucketAsync("fail");
        var keys = Enumerable.Range(0, count).Select(i => $"dir{i % 4}/sub{i % 3}/file {i}.txt").ToList();
        await stack.PutManyAsync(bucket, keys.Select(k => (k, "content of " + k)));
        return (bucket, keys);
    }

    [Fact]
    public async Task Invalid_configuration_exits_2_names_every_problem_and_writes_nothing()
    {
        var index = SyncStack.NewName("invalid");
        var config = stack.WriteConfig(index, [], c =>
        {
            c["page_size"] = 0;
            c["extraction"] = "ocr";
            c["colour"] = "blue";
        });

        var result = await SyncStack.RunCliAsync("sync", "--config", config);

        Assert.Equal(2, result.ExitCode);
        foreach (var key in new[] { "buckets", "page_size", "extraction", "colour" })
        {
            Assert.Contains(key + ":", result.Error, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.False(await stack.IndexExistsAsync(index));
        Assert.False(await stack.IndexExistsAsync(index + "-jobs"));
    }

    [Fact]
    public async Task Unknown_bucket_is_one_sentence_and_deletes_nothing()
    {
        var (bucket, keys) = await SeedBucketAsync(10);
        var index = SyncStack.NewName("unknown");
        Assert.Equal(0, (await SyncStack.RunCliAsync("sync", "--config", stack.WriteConfig(index, [bucket]))).ExitCode);

        var result = await SyncStack.RunCliAsync("sync", "--config", stack.WriteConfig(index, [bucket, "no-such-bucket-here"]));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Bucket 'no-such-bucket-here' does not exist.", result.Error.Trim());
        Assert.Equal(keys.Count, (await stack.ReadIndexAsync(index)).Count);
    }

    [Fact]
    public async Task Unreachable_elasticsearch_is_one_sentence()
    {
        var (bucket, _) = await SeedBucketAsync(3);
        var config = stack.WriteConfig(SyncStack.NewName("unreachable"), [bucket],
            c => c["elasticsearch"] = new JsonObject { ["host"] = "http://127.0.0.1:9" });

        var result = await SyncStack.RunCliAsync("sync", "--config", config);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Elasticsearch at http://127.0.0.1:9 is unreachable", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task Validate_reports_reachability()
    {
        var (bucket, _) = await SeedBucketAsync(1);
        var good = await SyncStack.RunCliAsync("validate", "--config", stack.WriteConfig(SyncStack.NewName("validate"), [bucket]));
        var bad = await SyncStack.RunCliAsync("validate", "--config", stack.WriteConfig(SyncStack.NewName("validate"), ["missing-bucket-x"]));

        Assert.True(good.ExitCode == 0, good.Error);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("Bucket 'missing-bucket-x' does not exist.", bad.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_password_in_the_host_is_never_printed()
    {
        var (bucket, _) = await SeedBucketAsync(3);
        const string secret = "Sup3rSecretPassw0rd";
        var host = new UriBuilder(stack.EsUrl) { UserName = "elastic", Password = secret }.Uri.ToString();
        var config = stack.WriteConfig(SyncStack.NewName("userinfo"), [bucket], c => c["elasticsearch"]!["host"] = host);

        var validate = await SyncStack.RunCliAsync("validate", "--config", config, "--verbose");
        var sync = await SyncStack.RunCliAsync("sync", "--config", config, "--verbose");

        foreach (var result in new[] { validate, sync })
        {
            Assert.DoesNotContain(secret, result.Output + result.Error, StringComparison.Ordinal);
        }

        if (stack.EsApiKey is not null)
        {
            // The real cluster's configuration carries an API key as well: two kinds of credentials are refused.
            Assert.Equal(2, validate.ExitCode);
            return;
        }

        Assert.True(validate.ExitCode == 0, validate.Error + validate.Output);
        Assert.Contains($"answers at http://{stack.EsUrl.Authority}.", validate.Output, StringComparison.Ordinal);
        Assert.Contains("plain http:// and credentials are set", validate.Error, StringComparison.Ordinal);
        Assert.True(sync.ExitCode == 0, sync.Error + sync.Output);
    }

    [Fact]
    public async Task Dry_run_writes_the_documents_to_a_file_and_nothing_to_elasticsearch()
    {
        var (bucket, keys) = await SeedBucketAsync(30);
        var index = SyncStack.NewName("dryrun");
        var output = Path.Combine(Path.GetTempPath(), $"dry-{Guid.NewGuid():N}.ndjson");

        var result = await SyncStack.RunCliAsync("sync", "--config", stack.WriteConfig(index, [bucket]), "--dry-run", output);

        Assert.True(result.ExitCode == 0, result.Error);
        var lines = File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(keys.Select(k => ObjectKeys.DocumentId(bucket, k)).Order(), lines.Select(l => l["_id"]!.GetValue<string>()).Order());
        Assert.All(lines, l => Assert.Equal(l["_id"]!.GetValue<string>(), l["id"]!.GetValue<string>()));
        Assert.All(lines, l => Assert.StartsWith("content of ", l["body"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.False(await stack.IndexExistsAsync(index));
        Assert.False(await stack.IndexExistsAsync(index + "-jobs"));
    }

    [Fact]
    public async Task Every_message_delivered_twice_gives_the_same_index()
    {
        var (bucket, keys) = await SeedBucketAsync(250);
        var index = SyncStack.NewName("twice");
        var options = ConnectorConfiguration.Load(stack.WriteConfig(index, [bucket], c => c["page_size"] = 7), new Dictionary<string, string?>());

        var summary = await InProcessSync.RunAsync(options, inner => new DuplicatingQueue(inner));

        Assert.Equal(JobStatus.Completed, summary.Status);
        Assert.Equal(keys.Count, summary.Counters.Listed);
        var documents = await stack.ReadIndexAsync(index);
        Assert.Equal(keys.Select(k => ObjectKeys.DocumentId(bucket, k)).Order(), documents.Keys.Order());
    }

    [TestServerFact]
    public async Task Rejected_bulk_items_are_retried_until_indexed()
    {
        var (bucket, keys) = await SeedBucketAsync(60);
        var index = SyncStack.NewName("rejected");
        // Fewer consecutive rejections than the retry budget: every write must get through.
        stack.EsServer!.Faults.RejectBulkItems(5);
        try
        {
            var result = await SyncStack.RunCliAsync("sync", "--config", stack.WriteConfig(index, [bucket]));

            Assert.True(result.ExitCode == 0, result.Error + result.Output);
            Assert.Equal(keys.Count, (await stack.ReadIndexAsync(index)).Count);
        }
        finally
        {
            stack.EsServer.Faults.Clear();
        }
    }

    [TestServerFact]
    public async Task A_document_Elasticsearch_refuses_for_good_fails_at_once_and_the_rest_are_indexed()
    {
        var (bucket, keys) = await SeedBucketAsync(40);
        var index = SyncStack.NewName("refused");
        stack.EsServer!.Faults.RefuseDocument(ObjectKeys.DocumentId(bucket, keys[3]));
        try
        {
            var result = await SyncStack.RunCliAsync("sync", "--config", stack.WriteConfig(index, [bucket]));

            Assert.Equal(1, result.ExitCode);
            Assert.Contains("document_parsing_exception", result.Output, StringComparison.Ordinal);
            // Refused once: neither the bulk retries nor a redelivery of its range send it again.
            Assert.Equal(1, stack.EsServer.Faults.Counters.BulkItemsRejected);
        }
        finally
        {
            stack.EsServer.Faults.Clear();
        }

        Assert.Equal(keys.Count - 1, (await stack.ReadIndexAsync(index)).Count);
    }

    [TestServerFact]
    public async Task Items_that_never_index_fail_the_sync_and_delete_nothing()
    {
        var (bucket, keys) = await SeedBucketAsync(40);
        var index = SyncStack.NewName("neverindexed");
        var config = stack.WriteConfig(index, [bucket], c => c["work_max_receive_count"] = 2);
        Assert.Equal(0, (await SyncStack.RunCliAsync("sync", "--config", config)).ExitCode);
        await stack.S3.DeleteObjectAsync(bucket, keys[0]);
        stack.EsServer!.Faults.FailRequests(1_000_000, 503, $"/{index}/_bulk");
        try
        {
            var result = await SyncStack.RunCliAsync("sync", "--config", config);

            Assert.Equal(1, result.ExitCode);
            Assert.Contains("could not be indexed", result.Output, StringComparison.Ordinal);
            Assert.Contains("the failed ranges deleted nothing", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            stack.EsServer.Faults.Clear();
        }

        // The deleted object's document survives: a failed sync deletes nothing.
        Assert.Equal(keys.Count, (await stack.ReadIndexAsync(index)).Count);
    }

    [Fact]
    public async Task A_listing_page_that_fails_for_good_fails_the_sync_and_deletes_nothing()
    {
        var (bucket, keys) = await SeedBucketAsync(40);
        var index = SyncStack.NewName("listfail");
        var config = stack.WriteConfig(index, [bucket], c => c["work_max_receive_count"] = 2);
        Assert.Equal(0, (await SyncStack.RunCliAsync("sync", "--config", config)).ExitCode);
        // keys[1] is dir1/sub1/file 1.txt: inside the range that will fail, which must keep its document.
        await stack.S3.DeleteObjectAsync(bucket, keys[1]);
        // The key range that starts after the folder dir1/ (the scheduler cuts ranges at the top-level folders).
        await stack.Aws.InjectFaultAsync("GET", "/" + bucket, 403, "AccessDenied", count: -1, queryContains: "start-after=dir1");
        try
        {
            var result = await SyncStack.RunCliAsync("sync", "--config", config);

            Assert.Equal(1, result.ExitCode);
            Assert.Contains("AccessDenied", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            await stack.Aws.ClearFaultsAsync();
        }

        Assert.Equal(keys.Count, (await stack.ReadIndexAsync(index)).Count);
    }

    [Fact]
    public async Task A_throttled_listing_page_is_retried()
    {
        var (bucket, keys) = await SeedBucketAsync(40);
        var index = SyncStack.NewName("throttled");
        await stack.Aws.ClearRequestsAsync();
        await stack.Aws.InjectFaultAsync("GET", "/" + bucket, 503, "SlowDown", count: 3, queryContains: "start-after=dir2");
        try
        {
            var result = await SyncStack.RunCliAsync("sync", "--config", stack.WriteConfig(index, [bucket], c => c["max_attempts"] = 0));

            Assert.True(result.ExitCode == 0, result.Error + result.Output);
            // The faults were met (a test whose fault matches nothing would pass without retrying anything).
            Assert.Equal(3, (await stack.Aws.GetRequestsAsync()).Count(r => r.Fault is not null));
        }
        finally
        {
            await stack.Aws.ClearFaultsAsync();
        }

        Assert.Equal(keys.Count, (await stack.ReadIndexAsync(index)).Count);
    }

    private sealed class DuplicatingQueue(IWorkQueue inner) : IWorkQueue
    {
        public async Task SendAsync(IReadOnlyList<WorkMessage> messages, CancellationToken ct)
        {
            await inner.SendAsync(messages, ct);
            await inner.SendAsync(messages, ct);
        }
    }
}
