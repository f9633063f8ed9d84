using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using S3Connector.Core.Diagnostics;
using S3Connector.Core.Documents;
using S3Connector.Core.Elasticsearch;
using S3Connector.Core.Jobs;
using S3Connector.Core.Json;
using S3Connector.Core.Sync;

using S3Connector.Testing;

namespace S3Connector.Tests;

public sealed class JobCompletionTests
{
    private sealed class RecordingMetrics : IConnectorMetrics
    {
        public readonly System.Collections.Concurrent.ConcurrentQueue<(string Index, IReadOnlyList<MetricValue> Values)> Reports = new();

        public void Publish(string indexName, IReadOnlyList<MetricValue> values) => Reports.Enqueue((indexName, values));
    }

    private readonly InMemoryJobStore _jobs = new();
    private readonly CountingSink _sink = new(deletedOutside: 7);
    private readonly RecordingMetrics _metrics = new();
    private readonly JobCompletion _completion;

    public JobCompletionTests() => _completion = new JobCompletion(_jobs, _sink, TimeProvider.System, NullLogger<JobCompletion>.Instance, _metrics);

    private double Reported(string name) => _metrics.Reports.SelectMany(r => r.Values).Where(v => v.Name == name).Sum(v => v.Value);

    private async Task<string> StartJobAsync(params string[] pendingUnits)
    {
        var now = DateTimeOffset.UtcNow;
        await _jobs.CreateJobAsync(new JobDocument { JobId = "j", IndexName = "i", Status = JobStatus.Running, StartedAt = now, UpdatedAt = now }, default);
        await _jobs.CreatePendingUnitsAsync(pendingUnits.Select(u => new UnitDocument { JobId = "j", UnitId = u, Status = UnitStatus.Pending, UpdatedAt = now }).ToList(), default);
        return "j";
    }

    private Task FinishAsync(string unit, JobCounters counters) => _jobs.FinishUnitAsync(
        new UnitDocument { JobId = "j", UnitId = unit, Status = UnitStatus.Done, UpdatedAt = DateTimeOffset.UtcNow, Counters = counters }, default);

    [Fact]
    public async Task Does_not_complete_while_a_unit_is_pending()
    {
        var job = await StartJobAsync("u1", "u2");
        await FinishAsync("u1", new JobCounters { Listed = 3, Indexed = 3 });

        Assert.Null(await _completion.TryCompleteAsync(job, default));
        Assert.Equal(0, _sink.DeleteCalls);
    }

    [Fact]
    public async Task Completes_once_deletes_once_and_sums_counters()
    {
        var job = await StartJobAsync("u1", "u2");
        await FinishAsync("u1", new JobCounters { Listed = 3, Indexed = 3, MetadataOnly = { ["folder"] = 1 } });
        await FinishAsync("u2", new JobCounters { Listed = 2, Indexed = 1, Skipped = { ["deleted_before_read"] = 1 } });

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _completion.TryCompleteAsync(job, default)));

        var summary = Assert.Single(results, r => r is not null)!;
        Assert.Equal(JobStatus.Completed, summary.Status);
        Assert.Equal(5, summary.Counters.Listed);
        Assert.Equal(4, summary.Counters.Indexed);
        Assert.Equal(7, summary.Counters.Deleted);
        Assert.Equal(1, summary.Counters.MetadataOnly["folder"]);
        Assert.Equal(1, _sink.DeleteCalls);
        // Reported once, by the one finalizer, under the job's index.
        var report = Assert.Single(_metrics.Reports);
        Assert.Equal("i", report.Index);
        Assert.Equal(1, Reported(ConnectorMetrics.SyncCompleted));
        Assert.Equal(0, Reported(ConnectorMetrics.SyncFailed));
    }

    [Fact]
    public async Task A_failed_item_fails_the_job_without_deleting()
    {
        var job = await StartJobAsync("u1");
        await FinishAsync("u1", new JobCounters { Listed = 3, Indexed = 2, Failed = 1 });

        var summary = await _completion.TryCompleteAsync(job, default);

        Assert.Equal(JobStatus.Failed, summary!.Status);
        Assert.Contains("the failed ranges deleted nothing", summary.Error, StringComparison.Ordinal);
        Assert.Equal(0, _sink.DeleteCalls);
    }

    [Fact]
    public async Task A_failed_unit_that_another_worker_finalizes_still_names_the_reason()
    {
        // The failing worker records its unit, then another worker's completion check can win the race to finalize.
        var job = await StartJobAsync("u1", "u2");
        await FinishAsync("u1", new JobCounters { Listed = 3, Indexed = 3 });
        await _jobs.FinishUnitAsync(new UnitDocument
        {
            JobId = "j", UnitId = "u2", Status = UnitStatus.Failed, UpdatedAt = DateTimeOffset.UtcNow,
            Counters = new JobCounters { FailedPages = 1 }, Error = "listing s3://b/dir1/ failed: S3 answered 403 AccessDenied",
        }, default);

        var summary = await _completion.TryCompleteAsync(job, default);

        Assert.Equal(JobStatus.Failed, summary!.Status);
        Assert.Contains("403 AccessDenied", summary.Error, StringComparison.Ordinal);
        Assert.Contains("the failed ranges deleted nothing", summary.Error, StringComparison.Ordinal);
        Assert.Equal(0, _sink.DeleteCalls);
    }

    [Fact]
    public async Task Fail_ends_the_job_at_once()
    {
        var job = await StartJobAsync("u1");
        await _completion.FailAsync(job, "listing failed", default);

        var (stored, _) = (await _jobs.GetJobAsync(job, default))!.Value;
        Assert.Equal(JobStatus.Failed, stored.Status);
        Assert.Equal("listing failed", stored.Error);
        await FinishAsync("u1", new JobCounters());
        Assert.Null(await _completion.TryCompleteAsync(job, default));
        Assert.Equal(0, _sink.DeleteCalls);
        Assert.Single(_metrics.Reports);
        Assert.Equal(1, Reported(ConnectorMetrics.SyncFailed));
        Assert.Equal(0, Reported(ConnectorMetrics.SyncCompleted));
    }

    [Fact]
    public async Task A_work_message_of_another_version_fails_its_job_at_once()
    {
        var job = await StartJobAsync("u1");
        var options = S3Connector.Core.Configuration.ConnectorConfiguration.Load(null, new Dictionary<string, string?>
        {
            ["S3C_BUCKETS"] = "b", ["S3C_INDEX_NAME"] = "docs", ["S3C_ELASTICSEARCH__HOST"] = "http://127.0.0.1:9",
        });
        using var clients = new S3Connector.Core.S3.S3ClientFactory(options);
        using var budgets = new S3Connector.Core.Budgets.ContentBudgets(64L << 20, 64L << 20);
        var s3 = new S3Connector.Core.S3.S3Gateway(clients);
        var worker = new RangeWorker(options, s3,
            new DocumentBuilder(options, s3, new S3Connector.Core.Extraction.ContentExtractor(), budgets, NullLogger<DocumentBuilder>.Instance),
            _sink, _jobs, new S3Connector.Core.Queue.NullWorkQueue(), _completion, new SyncProgress(),
            S3Connector.Core.Rules.SyncRules.From(options), TimeProvider.System, NullLogger<RangeWorker>.Instance);
        // A page message of the engine before key ranges, still queued at an upgrade.
        var old = S3Connector.Core.Queue.SqsWorkQueue.Parse(
            """{"v":1,"job_id":"j","bucket":"b","region":"us-east-1","prefix":"docs/","shallow":false,"page":3,"token":"t"}""");

        var outcome = await worker.ProcessAsync(old, Delivery.MayRetry, default);

        Assert.Equal(WorkOutcomeKind.Permanent, outcome.Kind);
        var (stored, _) = (await _jobs.GetJobAsync(job, default))!.Value;
        Assert.Equal(JobStatus.Failed, stored.Status);
        Assert.Contains("version 1", stored.Error, StringComparison.Ordinal);
        Assert.Equal(0, _sink.DeleteCalls);
    }

    [Fact]
    public void Work_messages_are_small_and_round_trip()
    {
        var message = new WorkMessage
        {
            JobId = "20261127T000000Z-0011aabb", Bucket = new string('b', 63), Region = "eu-west-1",
            Range = new KeyRange(new string('p', 1000), new string('p', 1000) + "a", new string('p', 1000) + "z"), ExpectedKeys = 1000,
        };
        var json = JsonSerializer.Serialize(message, ConnectorJson.Default.WorkMessage);

        Assert.True(json.Length < 4096, $"{json.Length} bytes");
        Assert.Equal(message, JsonSerializer.Deserialize(json, ConnectorJson.Default.WorkMessage));
        Assert.Equal(message.UnitId, JsonSerializer.Deserialize(json, ConnectorJson.Default.WorkMessage)!.UnitId);
        Assert.NotEqual(message.UnitId, (message with { Range = message.Range with { Until = null } }).UnitId);
        Assert.Equal(message.UnitId, (message with { ExpectedKeys = 3 }).UnitId);
    }
}
