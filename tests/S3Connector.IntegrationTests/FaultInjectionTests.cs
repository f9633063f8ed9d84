using Amazon.S3.Model;
using Amazon.SQS.Model;
using S3Connector.Core.Configuration;
using S3Connector.Core.Documents;
using S3Connector.Core.Jobs;
using S3Connector.Core.Queue;
using S3Connector.Core.Sync;
using S3Connector.IntegrationTests.Infrastructure;
using S3Connector.Testing;

namespace S3Connector.IntegrationTests;

/// <summary>
/// The fault-injection suite (docs/RELIABILITY.md): one scenario per fault, all through the same steps. A bucket is
/// synced, then changed (deletes, overwrites, new keys, a corrupt file); the fault is injected and a sync runs; then:
/// either the sync completed and the index equals the bucket, or it failed, named a cause and deleted nothing; in both
/// cases no job is left active once the fault is cleared, and the next sync makes the index equal to the bucket.
/// </summary>
public sealed class FaultInjectionTests(SyncStack stack, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<SyncStack>
{
    private const int Folders = 4;
    private const int PerFolder = 15;

    /// <summary>Each fault, and whether the sync rides it out (a burst within the retries) or must fail cleanly.</summary>
    public static TheoryData<string, Outcome> ElasticsearchFaults => new()
    {
        { "elasticsearch 503 burst", Outcome.Completes },
        { "elasticsearch drops connections", Outcome.Completes },
        { "elasticsearch 429 on a few items", Outcome.Completes },
        { "elasticsearch 429 on every item for a while", Outcome.FailsOrCompletes },
        { "elasticsearch down for a while, then back", Outcome.FailsOrCompletes },
        { "elasticsearch slower than the client timeout", Outcome.Completes },
    };

    public static TheoryData<string, Outcome> StorageAndQueueFaults => new()
    {
        { "s3 503 SlowDown on LIST", Outcome.Completes },
        { "s3 500 on LIST", Outcome.Completes },
        { "s3 LIST throttled past the retries", Outcome.FailsOrCompletes },
        { "s3 503 SlowDown on GET", Outcome.Completes },
        { "s3 500 on GET", Outcome.Completes },
        { "s3 GET refused for good", Outcome.Completes },
        { "object deleted between listing and fetch", Outcome.Completes },
        { "object overwritten between listing and fetch", Outcome.Completes },
        { "every work message delivered twice, shuffled", Outcome.Completes },
        { "sqs visibility timeout shorter than the processing", Outcome.Completes },
    };

    public enum Outcome
    {
        /// <summary>The sync completes: the index equals the bucket.</summary>
        Completes,

        /// <summary>The sync may fail (naming the cause, deleting nothing) or complete.</summary>
        FailsOrCompletes,
    }

    [TestServerTheory]
    [MemberData(nameof(ElasticsearchFaults))]
    public Task An_elasticsearch_fault_ends_in_a_state_the_next_sync_repairs(string scenario, Outcome outcome) => RunScenarioAsync(scenario, outcome);

    [Theory]
    [MemberData(nameof(StorageAndQueueFaults))]
    public Task A_storage_or_queue_fault_ends_in_a_state_the_next_sync_repairs(string scenario, Outcome outcome) => RunScenarioAsync(scenario, outcome);

    /// <summary>
    /// Either the sync completed and the index equals the bucket, or it failed, named a cause and deleted nothing; no
    /// job is left active; the next sync, without the fault, makes the index equal to the bucket.
    /// </summary>
    private async Task RunScenarioAsync(string scenario, Outcome outcome)
    {
        var world = await SeedAsync(scenario);
        await using var fault = await InjectAsync(scenario, world);

        var (completed, cause) = await SyncAsync(scenario, world);
        await fault.DisposeAsync();
        output.WriteLine($"{scenario}: {(completed ? "completed" : "failed: " + cause.Trim())}");
        Assert.True(completed || outcome == Outcome.FailsOrCompletes, $"{scenario}: the sync should have ridden the fault out, but failed: {cause}");

        if (completed)
        {
            await AssertIndexEqualsBucketAsync(world);
        }
        else
        {
            Assert.False(string.IsNullOrWhiteSpace(cause), $"{scenario}: the failed sync named no cause");
            var documents = await stack.ReadIndexAsync(world.Index);
            Assert.All(world.Deleted, key => Assert.Contains(ObjectKeys.DocumentId(world.Bucket, key), documents.Keys));
        }

        await AssertNoActiveJobAsync(world, $"after a sync that {(completed ? "completed" : "failed: " + cause)}");
        var repair = await SyncStack.RunCliAsync("sync", "--config", world.Config);
        Assert.True(repair.ExitCode == 0, $"{scenario}: the sync after the fault failed: {repair.Error}{repair.Output}");
        await AssertIndexEqualsBucketAsync(world);
    }

    /// <summary>What a scenario works on: a synced bucket, then changed behind the index's back.</summary>
    private sealed record World(string Bucket, string Index, string Config, IReadOnlyList<string> Deleted, IReadOnlyList<string> Kept);

    private async Task<World> SeedAsync(string scenario)
    {
        var bucket = await stack.CreateBucketAsync("fault");
        var keys = Enumerable.Range(0, Folders * PerFolder).Select(i => $"folder{i % Folders}/file {i:D3}.txt").ToList();
        await stack.PutManyAsync(bucket, keys.Select(k => (k, "first text of " + k)));
        var index = SyncStack.NewName("fault");
        var config = stack.WriteConfig(index, [bucket], c =>
        {
            // Few deliveries and short requests keep a failing scenario short; a page of 5 makes many work messages.
            c["work_max_receive_count"] = 3;
            c["page_size"] = 5;
            c["elasticsearch"]!["request_timeout"] = 3;
        });
        var first = await SyncStack.RunCliAsync("sync", "--config", config);
        Assert.True(first.ExitCode == 0, $"{scenario}: the first sync failed: {first.Error}");

        var deleted = keys.Where((_, i) => i % 12 == 1).ToList();
        foreach (var key in deleted)
        {
            await stack.S3.DeleteObjectAsync(bucket, key);
        }

        var overwritten = keys.Where((_, i) => i % 12 == 5).ToList();
        var added = Enumerable.Range(0, 5).Select(i => $"folder{i % Folders}/new {i}.txt").ToList();
        await stack.PutManyAsync(bucket, overwritten.Concat(added).Select(k => (k, "second text of " + k)));
        // A corrupt file mixed into a healthy batch: metadata only, never a failure.
        await stack.PutAsync(bucket, "folder0/broken.pdf", "%PDF-1.7 this is not a PDF");
        return new World(bucket, index, config, deleted, keys.Except(deleted).Concat(added).Append("folder0/broken.pdf").ToList());
    }

    private async Task<IAsyncDisposable> InjectAsync(string scenario, World world)
    {
        // Null only with ES_URL set, when the Elasticsearch scenarios are skipped.
        var es = stack.EsServer;
        switch (scenario)
        {
            case "elasticsearch 429 on a few items":
                es!.Faults.RejectBulkItems(4);
                return Clear(() => es.Faults.Clear());
            case "elasticsearch 429 on every item for a while":
                es!.Faults.RejectBulkItems(60);
                return Clear(() => es.Faults.Clear());
            case "elasticsearch 503 burst":
                es!.Faults.FailRequests(4, 503);
                return Clear(() => es.Faults.Clear());
            case "elasticsearch drops connections":
                es!.Faults.DropConnections(4);
                return Clear(() => es.Faults.Clear());
            case "elasticsearch down for a while, then back":
                es!.Faults.FailRequests(int.MaxValue, 503);
                return ClearAfter(TimeSpan.FromSeconds(8), () => es.Faults.Clear());
            case "elasticsearch slower than the client timeout":
                es!.Faults.LatencyPathContains = "_bulk";
                es.Faults.Latency = TimeSpan.FromSeconds(4);
                return ClearAfter(TimeSpan.FromSeconds(10), () => es.Faults.Clear());
            case "s3 503 SlowDown on LIST":
                await stack.Aws.InjectFaultAsync(new LocalStackFault { Operation = "ListObjectsV2", Bucket = world.Bucket, Status = 503, Code = "SlowDown", Count = 3 });
                return Clear(() => stack.Aws.ClearFaultsAsync());
            case "s3 500 on LIST":
                await stack.Aws.InjectFaultAsync(new LocalStackFault { Operation = "ListObjectsV2", Bucket = world.Bucket, Status = 500, Code = "InternalError", Count = 3 });
                return Clear(() => stack.Aws.ClearFaultsAsync());
            case "s3 LIST throttled past the retries":
                await stack.Aws.InjectFaultAsync(new LocalStackFault { Operation = "ListObjectsV2", Bucket = world.Bucket, Status = 503, Code = "SlowDown", Count = 12 });
                return Clear(() => stack.Aws.ClearFaultsAsync());
            case "s3 503 SlowDown on GET":
                await stack.Aws.InjectFaultAsync(new LocalStackFault { Operation = "GetObject", Bucket = world.Bucket, Status = 503, Code = "SlowDown", Count = 8 });
                return Clear(() => stack.Aws.ClearFaultsAsync());
            case "s3 500 on GET":
                await stack.Aws.InjectFaultAsync(new LocalStackFault { Operation = "GetObject", Bucket = world.Bucket, Status = 500, Code = "InternalError", Count = 8 });
                return Clear(() => stack.Aws.ClearFaultsAsync());
            case "s3 GET refused for good":
                await stack.Aws.InjectFaultAsync(new LocalStackFault { Operation = "GetObject", Bucket = world.Bucket, Key = "new 1", Status = 403, Code = "AccessDenied", Count = -1 });
                return Clear(() => stack.Aws.ClearFaultsAsync());
            case "object deleted between listing and fetch":
            case "object overwritten between listing and fetch":
                // The GET of one changed key is held back long enough for the object to change under it.
                var key = "folder1/new 1.txt";
                await stack.Aws.InjectFaultAsync(new LocalStackFault { Operation = "GetObject", Bucket = world.Bucket, Key = "new 1", Status = 0, DelayMs = 1500, Count = 1 });
                var change = Task.Run(async () =>
                {
                    await WaitForRequestAsync("GetObject", "new 1");
                    if (scenario.StartsWith("object deleted", StringComparison.Ordinal))
                    {
                        await stack.S3.DeleteObjectAsync(world.Bucket, key);
                    }
                    else
                    {
                        await stack.PutAsync(world.Bucket, key, "third text, written while the sync read the second");
                    }
                });
                return Clear(async () =>
                {
                    await change;
                    await stack.Aws.ClearFaultsAsync();
                });
            case "every work message delivered twice, shuffled":
                return Clear(() => Task.CompletedTask);
            case "sqs visibility timeout shorter than the processing":
                // Each bulk request outlasts the queue's 1 s visibility timeout: every message is delivered again
                // while its first delivery still works on it.
                if (es is null)
                {
                    return Clear(() => Task.CompletedTask);
                }

                es.Faults.LatencyPathContains = "/_bulk";
                es.Faults.Latency = TimeSpan.FromSeconds(1.5);
                return Clear(() => es.Faults.Clear());
            default:
                throw new ArgumentOutOfRangeException(nameof(scenario), scenario, "no such scenario");
        }
    }

    private async Task<(bool Completed, string Cause)> SyncAsync(string scenario, World world)
    {
        if (scenario == "every work message delivered twice, shuffled")
        {
            var options = ConnectorConfiguration.Load(world.Config, new Dictionary<string, string?>());
            var summary = await InProcessSync.RunAsync(options, inner => new TwiceShuffledQueue(inner));
            return (summary.Status == JobStatus.Completed, summary.Error ?? "");
        }

        if (scenario == "sqs visibility timeout shorter than the processing")
        {
            using var sqs = stack.Aws.CreateSqsClient();
            var queue = await sqs.CreateQueueAsync(new CreateQueueRequest
            {
                QueueName = SyncStack.NewName("short-visibility"),
                Attributes = new Dictionary<string, string> { ["VisibilityTimeout"] = "1" },
            });
            var viaSqs = await SyncStack.RunCliAsync("sync", "--config", world.Config, "--queue-url", queue.QueueUrl);
            return (viaSqs.ExitCode == 0, viaSqs.Error);
        }

        var result = await SyncStack.RunCliAsync("sync", "--config", world.Config);
        return (result.ExitCode == 0, result.Error);
    }

    private async Task WaitForRequestAsync(string operation, string keyPart)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!(await stack.Aws.GetRequestsAsync(timeout.Token)).Any(r => r.Operation == operation && (r.Key ?? "").Contains(keyPart, StringComparison.Ordinal)))
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    /// <summary>Ids, ETags and text: the index holds each object as it is now, and nothing else.</summary>
    private async Task AssertIndexEqualsBucketAsync(World world)
    {
        var objects = new Dictionary<string, string>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var page = await stack.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = world.Bucket, ContinuationToken = token });
            foreach (var o in page.S3Objects ?? [])
            {
                objects[ObjectKeys.DocumentId(world.Bucket, o.Key)] = o.ETag;
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);

        var documents = await stack.ReadIndexAsync(world.Index);
        Assert.Equal(objects.Keys.Order(StringComparer.Ordinal), documents.Keys.Order(StringComparer.Ordinal));
        foreach (var (id, etag) in objects)
        {
            Assert.Equal(etag.Trim('"'), documents[id]["etag"]!.GetValue<string>().Trim('"'));
        }
    }

    private async Task AssertNoActiveJobAsync(World world, string context)
    {
        var jobs = await SyncStack.RunCliAsync("jobs", "--config", world.Config);
        Assert.True(jobs.ExitCode == 0, jobs.Error);
        Assert.True(!jobs.Output.Contains(" running", StringComparison.Ordinal) && !jobs.Output.Contains(" finalizing", StringComparison.Ordinal),
            $"{context}, a job is still active:\n{jobs.Output}");
    }

    private static IAsyncDisposable Clear(Func<Task> clear) => new Clearing(clear);

    private static IAsyncDisposable Clear(Action clear) => new Clearing(() =>
    {
        clear();
        return Task.CompletedTask;
    });

    /// <summary>A fault that clears itself after a while (a cluster that comes back), or at the end at the latest.</summary>
    private static IAsyncDisposable ClearAfter(TimeSpan after, Action clear)
    {
        var timer = Task.Delay(after).ContinueWith(_ => clear(), TaskScheduler.Default);
        return new Clearing(async () =>
        {
            clear();
            await timer;
        });
    }

    private sealed class Clearing(Func<Task> clear) : IAsyncDisposable
    {
        private int _done;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                await clear();
            }
        }
    }

    /// <summary>Every message sent twice, in an order unlike the sender's.</summary>
    private sealed class TwiceShuffledQueue(IWorkQueue inner) : IWorkQueue
    {
        public Task SendAsync(IReadOnlyList<WorkMessage> messages, CancellationToken ct) =>
            inner.SendAsync(messages.Concat(messages).OrderBy(_ => Random.Shared.Next()).ToList(), ct);
    }
}
