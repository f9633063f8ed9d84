using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging.Abstractions;
using S3Connector.Core;
using S3Connector.Core.Configuration;
using S3Connector.Core.Diagnostics;
using S3Connector.Core.Documents;
using S3Connector.Core.Elasticsearch;
using S3Connector.Core.Sync;
using S3Connector.Core.Queue;
using S3Connector.Functions.Events;
using S3Connector.Functions.Handlers;
using S3Connector.IntegrationTests.Infrastructure;
using S3Connector.Testing;

namespace S3Connector.IntegrationTests;

public sealed class EventsTests(SyncStack stack) : IClassFixture<SyncStack>
{
    private const string SampleKey = "docs/hello worldé.txt";

    private static string Sample(string file, string bucket)
    {
        var text = File.ReadAllText(Path.Combine(LocalStack.RepoRoot, "events", file)).Replace("example-bucket", bucket, StringComparison.Ordinal);
        var path = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}-{file}");
        File.WriteAllText(path, text);
        return path;
    }

    public static TheoryData<string, string> Envelopes() => new()
    {
        { "events-s3-direct.json", "events-s3-removed.json" },
        { "events-sqs-s3.json", "events-sqs-s3.json" },
        { "events-sqs-sns.json", "events-sqs-sns.json" },
        { "events-sqs-sns-raw.json", "events-sqs-sns-raw.json" },
        { "events-sns-direct.json", "events-sns-direct.json" },
        { "events-eventbridge-created.json", "events-eventbridge-deleted.json" },
        { "events-sqs-eventbridge.json", "events-sqs-eventbridge.json" },
    };

    [Theory]
    [MemberData(nameof(Envelopes))]
    public async Task Each_envelope_indexes_a_created_object_and_deletes_a_removed_one(string created, string removed)
    {
        var bucket = await stack.CreateBucketAsync("events");
        var index = SyncStack.NewName("events");
        var config = stack.WriteConfig(index, [bucket]);
        await stack.PutAsync(bucket, SampleKey, "Hello from an S3 event.");
        var id = ObjectKeys.DocumentId(bucket, SampleKey);

        var put = await SyncStack.RunCliAsync("event", "--config", config, Sample(created, bucket));

        Assert.True(put.ExitCode == 0, put.Error + put.Output);
        Assert.Contains("1 indexed", put.Output, StringComparison.Ordinal);
        var documents = await stack.ReadIndexAsync(index);
        Assert.Equal("Hello from an S3 event.", documents[id]["body"]!.GetValue<string>());
        Assert.Equal(SampleKey, documents[id]["filename"]!.GetValue<string>());

        await stack.S3.DeleteObjectAsync(bucket, SampleKey);
        var delete = await SyncStack.RunCliAsync("event", "--config", config, Sample(removed, bucket));

        Assert.True(delete.ExitCode == 0, delete.Error + delete.Output);
        Assert.Contains("1 deleted", delete.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(id, (await stack.ReadIndexAsync(index)).Keys);
    }

    [Fact]
    public async Task Test_events_are_acknowledged_and_unknown_shapes_rejected()
    {
        var bucket = await stack.CreateBucketAsync("events");
        var config = stack.WriteConfig(SyncStack.NewName("events"), [bucket]);
        var garbage = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(garbage, """{"detail-type":"Something Else","source":"aws.ec2"}""");

        var test = await SyncStack.RunCliAsync("event", "--config", config,
            Sample("events-s3-test-event.json", bucket), Sample("events-sqs-s3-test-event.json", bucket));
        var unknown = await SyncStack.RunCliAsync("event", "--config", config, garbage);

        Assert.True(test.ExitCode == 0, test.Error);
        Assert.Contains("0 indexed, 0 deleted, 0 ignored, 0 failed", test.Output, StringComparison.Ordinal);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("is not an S3 event", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Buckets_outside_the_configuration_are_ignored()
    {
        var bucket = await stack.CreateBucketAsync("events");
        var other = await stack.CreateBucketAsync("other");
        await stack.PutAsync(other, SampleKey, "not ours");
        var index = SyncStack.NewName("events");

        var result = await SyncStack.RunCliAsync("event", "--config", stack.WriteConfig(index, [bucket]), Sample("events-s3-direct.json", other));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("1 ignored", result.Output, StringComparison.Ordinal);
        Assert.False(await stack.IndexExistsAsync(index) && (await stack.ReadIndexAsync(index)).Count > 0);
    }

    [Fact]
    public async Task Events_follow_the_sync_rules()
    {
        var bucket = await stack.CreateBucketAsync("events");
        var index = SyncStack.NewName("events");
        var rule = new JsonObject
        {
            ["id"] = "no-private", ["policy"] = "exclude", ["field"] = "filename", ["rule"] = "starts_with", ["value"] = "private/", ["order"] = 1,
        };
        var config = stack.WriteConfig(index, [bucket], c => c["basic_sync_rules"] = new JsonArray(rule));
        await stack.PutAsync(bucket, "private/secret.txt", "secret");
        await stack.PutAsync(bucket, "public/open.txt", "open");
        var notifications = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(notifications, SqsBatch([
            Notification(bucket, "private/secret.txt", "ObjectCreated:Put", 1),
            Notification(bucket, "public/open.txt", "ObjectCreated:Put", 2)]).GetRawText());

        var result = await SyncStack.RunCliAsync("event", "--config", config, notifications);

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.Equal([ObjectKeys.DocumentId(bucket, "public/open.txt")], (await stack.ReadIndexAsync(index)).Keys);
        await stack.Aws.ClearRequestsAsync();
    }

    [Fact]
    public async Task A_poison_record_fails_alone_in_an_sqs_batch()
    {
        var bucket = await stack.CreateBucketAsync("events");
        var index = SyncStack.NewName("events");
        var options = Load(stack.WriteConfig(index, [bucket]));
        await stack.PutAsync(bucket, "a.txt", "A");
        await stack.PutAsync(bucket, "b.txt", "B");
        using var emf = new EmfCapture();
        using var services = new ConnectorServices(options, new NullWorkQueue(), NullLoggerFactory.Instance, metrics: emf.Metrics);
        var function = new EventsFunction(services, NullLogger<EventsFunction>.Instance);
        var batch = SqsBatch([Notification(bucket, "a.txt", "ObjectCreated:Put", 1), "{\"oops\":true}", Notification(bucket, "b.txt", "ObjectCreated:Put", 2)]);

        var response = await function.HandleAsync(batch, new Cli.Commands.CliContext("EventsFunction"));

        Assert.Equal(["m1"], response.BatchItemFailures!.Select(f => f.ItemIdentifier));
        Assert.Equal(2, (await stack.ReadIndexAsync(index)).Count);
        // One report for the batch: its two readable records, and the one byte each of them downloaded.
        Assert.Single(emf.Reports);
        Assert.Equal((2, 0, 2), (emf.Sum(ConnectorMetrics.EventsIndexed), emf.Sum(ConnectorMetrics.EventsRetried), emf.Sum(ConnectorMetrics.EventBytesDownloaded)));
    }

    [TestServerTheory]
    [InlineData(500, 1)]
    [InlineData(4, 3)]
    public async Task An_sqs_batch_writes_its_documents_in_one_bulk_request_unless_the_flush_limits_split_it(int bulkMaxDocuments, int bulkRequests)
    {
        var bucket = await stack.CreateBucketAsync("events");
        var index = SyncStack.NewName("events");
        var options = Load(stack.WriteConfig(index, [bucket], c => c["bulk_max_documents"] = bulkMaxDocuments));
        var created = Enumerable.Range(0, 8).Select(i => $"batch/created {i}.txt").ToList();
        await stack.PutManyAsync(bucket, created.Select(k => (k, "content of " + k)));
        using var services = new ConnectorServices(options, new NullWorkQueue(), NullLoggerFactory.Instance);
        var function = new EventsFunction(services, NullLogger<EventsFunction>.Instance);
        // Two removals of objects that do not exist: their deletes share the request with the indexing.
        var batch = SqsBatch([
            .. created.Select((k, i) => Notification(bucket, k, "ObjectCreated:Put", i + 1)),
            Notification(bucket, "batch/removed 1.txt", "ObjectRemoved:Delete", 9),
            Notification(bucket, "batch/removed 2.txt", "ObjectRemoved:Delete", 10)]);
        stack.EsServer!.ClearRequests();

        var response = await function.HandleAsync(batch, new Cli.Commands.CliContext("EventsFunction"));

        Assert.Empty(response.BatchItemFailures!);
        Assert.Equal((8, 2), (response.Indexed, response.Deleted));
        Assert.Equal(bulkRequests, stack.EsServer.Requests.Count(r => r.Path == $"/{index}/_bulk"));
        Assert.Equal(created.Select(k => ObjectKeys.DocumentId(bucket, k)).Order(StringComparer.Ordinal),
            (await stack.ReadIndexAsync(index)).Keys.Order(StringComparer.Ordinal));
    }

    [TestServerFact]
    public async Task A_bulk_item_that_keeps_failing_fails_only_its_own_message()
    {
        var bucket = await stack.CreateBucketAsync("events");
        var index = SyncStack.NewName("events");
        var options = Load(stack.WriteConfig(index, [bucket]));
        string[] keys = ["a.txt", "b.txt", "c.txt"];
        await stack.PutManyAsync(bucket, keys.Select(k => (k, k.ToUpperInvariant())));
        using var services = new ConnectorServices(options, new NullWorkQueue(), NullLoggerFactory.Instance);
        var function = new EventsFunction(services, NullLogger<EventsFunction>.Instance);
        var batch = SqsBatch(keys.Select((k, i) => Notification(bucket, k, "ObjectCreated:Put", i + 1)).ToList());
        // More rejections than the sink's retries: b.txt's write fails for good, in the request it shares with the others.
        stack.EsServer!.Faults.RejectBulkItemsWithId(ObjectKeys.DocumentId(bucket, "b.txt"), 1000);
        stack.EsServer.ClearRequests();
        EventsResponse response;
        long rejections;
        try
        {
            response = await function.HandleAsync(batch, new Cli.Commands.CliContext("EventsFunction"));
            rejections = stack.EsServer.Faults.Counters.BulkItemsRejected;
        }
        finally
        {
            stack.EsServer.Faults.Clear();
        }

        Assert.Equal(["m1"], response.BatchItemFailures!.Select(f => f.ItemIdentifier));
        Assert.Equal((2, 1), (response.Indexed, response.Failed));
        Assert.Equal(new[] { "a.txt", "c.txt" }.Select(k => ObjectKeys.DocumentId(bucket, k)).Order(StringComparer.Ordinal),
            (await stack.ReadIndexAsync(index)).Keys.Order(StringComparer.Ordinal));
        // b.txt's write was retried, and every request carried it: a.txt and c.txt went in its first request.
        Assert.True(rejections > 1);
        Assert.Equal(rejections, stack.EsServer.Requests.Count(r => r.Path == $"/{index}/_bulk"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Shuffled_duplicated_concurrent_events_converge_on_the_bucket(int seed)
    {
        var bucket = await stack.CreateBucketAsync("converge");
        var index = SyncStack.NewName("converge");
        var options = Load(stack.WriteConfig(index, [bucket]));
        // Random pauses between reading S3 and writing the document make late, stale writes common.
        var sink = new DelayingSink(new ElasticsearchSink(ElasticsearchClientFactory.Create(options.Elasticsearch), options,
            Core.Retries.RetryPolicy.System, NullLogger<ElasticsearchSink>.Instance), seed);
        using var services = new ConnectorServices(options, new NullWorkQueue(), NullLoggerFactory.Instance, sink);
        var function = new EventsFunction(services, NullLogger<EventsFunction>.Instance);

        await ChurnAsync(bucket, function, seed, keys: 100, operations: 1500, () => Task.CompletedTask);

        await AssertIndexEqualsBucketAsync(bucket, index);
    }

    [Fact]
    public async Task A_full_sync_running_while_events_arrive_ends_equal_to_the_bucket()
    {
        var bucket = await stack.CreateBucketAsync("syncevents");
        await stack.PutManyAsync(bucket, Enumerable.Range(0, 600).Select(i => ($"k{i % 150}/obj-{i}.txt", $"initial {i}")));
        var index = SyncStack.NewName("syncevents");
        var config = stack.WriteConfig(index, [bucket], c => c["page_size"] = 20);
        Assert.Equal(0, (await SyncStack.RunCliAsync("sync", "--config", config)).ExitCode);
        var options = Load(config);
        using var services = new ConnectorServices(options, new NullWorkQueue(), NullLoggerFactory.Instance);
        var function = new EventsFunction(services, NullLogger<EventsFunction>.Instance);

        Task<SyncStack.CliResult>? sync = null;
        await ChurnAsync(bucket, function, seed: 7, keys: 300, operations: 800, () =>
        {
            // The sync starts while the churn is under way.
            sync = SyncStack.RunCliAsync("sync", "--config", config);
            return Task.CompletedTask;
        }, keyOf: i => $"k{i % 150}/obj-{i}.txt");
        var result = await sync!;

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        await AssertIndexEqualsBucketAsync(bucket, index);
    }

    /// <summary>
    /// Random puts, overwrites and deletes; each produces an S3 notification that consumers deliver in random order,
    /// a fifth of them twice, eight at a time, while the operations go on; the rest are delivered at the end.
    /// </summary>
    private async Task ChurnAsync(
        string bucket, EventsFunction function, int seed, int keys, int operations, Func<Task> atHalfway, Func<int, string>? keyOf = null)
    {
        var random = new Random(seed);
        keyOf ??= i => $"dir{i % 7}/key {i} é+%.txt";
        var pool = new ConcurrentBag<string>();
        var failures = 0;
        using var producing = new CancellationTokenSource();
        var consumers = Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
        {
            var local = new Random(seed * 100 + c);
            while (!producing.IsCancellationRequested || !pool.IsEmpty)
            {
                var batch = new List<string>();
                while (batch.Count < 5 && pool.TryTake(out var notification))
                {
                    batch.Add(notification);
                    if (local.NextDouble() < 0.2)
                    {
                        pool.Add(notification);
                    }
                }

                if (batch.Count == 0)
                {
                    await Task.Delay(5);
                    continue;
                }

                var shuffled = batch.OrderBy(_ => local.Next()).ToList();
                var response = await function.HandleAsync(SqsBatch(shuffled), new Cli.Commands.CliContext("EventsFunction"));
                foreach (var failure in response.BatchItemFailures ?? [])
                {
                    Interlocked.Increment(ref failures);
                    pool.Add(shuffled[int.Parse(failure.ItemIdentifier[1..], System.Globalization.CultureInfo.InvariantCulture)]);
                }
            }
        })).ToList();

        var sequencer = 0L;
        for (var op = 0; op < operations; op++)
        {
            if (op == operations / 2)
            {
                await atHalfway();
            }

            var key = keyOf(random.Next(keys));
            string eventName;
            if (random.NextDouble() < 0.3)
            {
                await stack.S3.DeleteObjectAsync(bucket, key);
                eventName = "ObjectRemoved:Delete";
            }
            else
            {
                await stack.S3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = $"version {op} of {key}" });
                eventName = "ObjectCreated:Put";
            }

            pool.Add(Notification(bucket, key, eventName, ++sequencer));
        }

        await producing.CancelAsync();
        await Task.WhenAll(consumers);

        // Nothing is injected here: a failed record would mean a race the versions should absorb (a 409) broke through.
        Assert.Equal(0, failures);
    }

    private async Task AssertIndexEqualsBucketAsync(string bucket, string index)
    {
        var objects = new Dictionary<string, S3Object>(StringComparer.Ordinal);
        var paginator = stack.S3.Paginators.ListObjectsV2(new ListObjectsV2Request { BucketName = bucket });
        await foreach (var obj in paginator.S3Objects)
        {
            objects[ObjectKeys.DocumentId(bucket, obj.Key)] = obj;
        }

        var documents = await stack.ReadIndexAsync(index);
        Assert.Equal(objects.Keys.Order(StringComparer.Ordinal), documents.Keys.Order(StringComparer.Ordinal));
        foreach (var (id, obj) in objects)
        {
            Assert.Equal(obj.ETag.Trim('"'), documents[id]["etag"]!.GetValue<string>());
            Assert.Equal(obj.Size, documents[id]["size_in_bytes"]!.GetValue<long>());
        }
    }

    private sealed class DelayingSink(IDocumentSink inner, int seed) : IDocumentSink
    {
        private readonly Random _random = new(seed);

        private Task PauseAsync(CancellationToken ct)
        {
            int ms;
            lock (_random)
            {
                ms = _random.Next(0, 40);
            }

            return Task.Delay(ms, ct);
        }

        public Task EnsureIndexAsync(CancellationToken ct) => inner.EnsureIndexAsync(ct);

        /// <summary>The pause holds back the whole batch's writes while other batches read and write.</summary>
        public async Task<IReadOnlyList<WriteFailure>> WriteAsync(IAsyncEnumerable<DocumentWrite> writes, CancellationToken ct)
        {
            await PauseAsync(ct);
            return await inner.WriteAsync(writes, ct);
        }

        public IAsyncEnumerable<IndexedObject> ReadRangeAsync(string bucket, KeyRange range, CancellationToken ct) =>
            inner.ReadRangeAsync(bucket, range, ct);

        public Task<long> DeleteOutsideAsync(IReadOnlyList<ListingScope> scopes, CancellationToken ct) => inner.DeleteOutsideAsync(scopes, ct);
    }

    private static ConnectorOptions Load(string config) => ConnectorConfiguration.Load(config, new Dictionary<string, string?>());

    /// <summary>An S3 notification as S3 sends it: the key form-encoded, a growing sequencer.</summary>
    private static string Notification(string bucket, string key, string eventName, long sequencer) => new JsonObject
    {
        ["Records"] = new JsonArray(new JsonObject
        {
            ["eventVersion"] = "2.1",
            ["eventSource"] = "aws:s3",
            ["awsRegion"] = "us-east-1",
            ["eventName"] = eventName,
            ["s3"] = new JsonObject
            {
                ["bucket"] = new JsonObject { ["name"] = bucket },
                ["object"] = new JsonObject
                {
                    ["key"] = System.Net.WebUtility.UrlEncode(key).Replace("%2F", "/", StringComparison.Ordinal),
                    ["sequencer"] = sequencer.ToString("X16", System.Globalization.CultureInfo.InvariantCulture),
                },
            },
        }),
    }.ToJsonString();

    private static JsonElement SqsBatch(IReadOnlyList<string> bodies)
    {
        var batch = new SqsEvent
        {
            Records = bodies.Select((body, i) => new SqsMessage
            {
                MessageId = "m" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Body = body,
                EventSource = "aws:sqs",
                Attributes = new() { ["ApproximateReceiveCount"] = "1" },
            }).ToList(),
        };
        return JsonSerializer.SerializeToElement(batch, FunctionJson.Default.SqsEvent);
    }
}
