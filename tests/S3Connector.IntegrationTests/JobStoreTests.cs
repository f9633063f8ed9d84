using S3Connector.Core.Configuration;
using S3Connector.Core.Elasticsearch;
using S3Connector.Core.Jobs;
using S3Connector.Core.Retries;
using S3Connector.Core.Sync;
using S3Connector.IntegrationTests.Infrastructure;
using S3Connector.Core.S3;

using S3Connector.Testing;

namespace S3Connector.IntegrationTests;

public sealed class JobStoreTests(SyncStack stack) : IClassFixture<SyncStack>
{
    [Fact]
    public async Task A_stale_job_version_is_refused_not_thrown()
    {
        var client = ElasticsearchClientFactory.Create(new ElasticsearchOptions { Host = stack.EsUrl, RequestTimeoutSeconds = 30, ApiKey = stack.EsApiKey is { } key ? new Secret(key) : null });
        var store = new ElasticsearchJobStore(client, SyncStack.NewName("jobs"), RetryPolicy.System);
        await store.EnsureAsync(default);
        var now = DateTimeOffset.UtcNow;
        var job = new JobDocument { JobId = "job-1", IndexName = "docs", Status = JobStatus.Running, StartedAt = now, UpdatedAt = now };
        await store.CreateJobAsync(job, default);
        var (_, version) = (await store.GetJobAsync("job-1", default))!.Value;

        Assert.True(await store.TryReplaceJobAsync(job with { Status = JobStatus.Finalizing }, version, default));
        Assert.False(await store.TryReplaceJobAsync(job with { Status = JobStatus.Failed }, version, default));
        Assert.Equal(JobStatus.Finalizing, (await store.GetJobAsync("job-1", default))!.Value.Job.Status);
    }

    [Fact]
    public async Task Finalizers_racing_on_the_elasticsearch_store_finish_the_job_once()
    {
        var client = ElasticsearchClientFactory.Create(new ElasticsearchOptions { Host = stack.EsUrl, RequestTimeoutSeconds = 30, ApiKey = stack.EsApiKey is { } key ? new Secret(key) : null });
        var store = new ElasticsearchJobStore(client, SyncStack.NewName("jobs"), RetryPolicy.System);
        await store.EnsureAsync(default);
        var now = DateTimeOffset.UtcNow;
        var job = new JobDocument
        {
            JobId = "job-race", IndexName = "docs", Status = JobStatus.Running, StartedAt = now, UpdatedAt = now,
            Buckets = ["b"], Scopes = [new ListingScope("b", "")],
        };
        await store.CreateJobAsync(job, default);
        var sink = new CountingSink();
        var completion = new JobCompletion(store, sink, TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<JobCompletion>.Instance);

        // Every unit is done (there are none): eight workers see "nothing pending" at once, as the last ones of a sync do.
        var summaries = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => completion.TryCompleteAsync(job.JobId, default))));

        Assert.Single(summaries, s => s is not null);
        Assert.Equal(1, sink.DeleteCalls);
        Assert.Equal(JobStatus.Completed, (await store.GetJobAsync(job.JobId, default))!.Value.Job.Status);
    }

    [Fact]
    public async Task Recording_an_existing_unit_again_is_not_an_error()
    {
        var client = ElasticsearchClientFactory.Create(new ElasticsearchOptions { Host = stack.EsUrl, RequestTimeoutSeconds = 30, ApiKey = stack.EsApiKey is { } key ? new Secret(key) : null });
        var store = new ElasticsearchJobStore(client, SyncStack.NewName("jobs"), RetryPolicy.System);
        await store.EnsureAsync(default);
        var unit = new UnitDocument { JobId = "job-1", UnitId = "job-1:a:0", Status = UnitStatus.Pending, UpdatedAt = DateTimeOffset.UtcNow };

        await store.CreatePendingUnitsAsync([unit], default);
        await store.CreatePendingUnitsAsync([unit, unit with { UnitId = "job-1:a:1" }], default);

        Assert.Equal(2, await store.CountPendingUnitsAsync("job-1", default));
    }

    [Fact]
    public async Task An_older_reading_never_replaces_a_newer_document()
    {
        var index = SyncStack.NewName("versions");
        var options = ConnectorConfiguration.Load(stack.WriteConfig(index, ["b"]), new Dictionary<string, string?>());
        var sink = new ElasticsearchSink(ElasticsearchClientFactory.Create(options.Elasticsearch), options, RetryPolicy.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<ElasticsearchSink>.Instance);
        var newer = Core.Documents.DocumentBuilder.MetadataDocument(
            new Core.S3.S3ObjectInfo("b", "k.txt", 2, DateTimeOffset.UnixEpoch, "new", "STANDARD", ""), null, DateTimeOffset.UtcNow);
        var older = newer with { Etag = "old", ObservedAt = newer.ObservedAt.AddSeconds(-1) };

        Assert.Empty(await sink.WriteAsync(new[] { DocumentWrite.Index(0, newer) }.ToAsyncEnumerable(), default));
        Assert.Empty(await sink.WriteAsync(new[] { DocumentWrite.Index(0, older) }.ToAsyncEnumerable(), default));
        Assert.Empty(await sink.WriteAsync(new[] { DocumentWrite.Delete(0, newer.Id, older.ObservedAt) }.ToAsyncEnumerable(), default));

        var documents = await stack.ReadIndexAsync(index);
        Assert.Equal("new", documents[newer.Id]["etag"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_plan_records_its_successors_and_the_unit_in_one_request_and_reads_back_with_the_job()
    {
        var client = ElasticsearchClientFactory.Create(new ElasticsearchOptions { Host = stack.EsUrl, RequestTimeoutSeconds = 30, ApiKey = stack.EsApiKey is { } key ? new Secret(key) : null });
        var store = new ElasticsearchJobStore(client, SyncStack.NewName("jobs"), RetryPolicy.System);
        await store.EnsureAsync(default);
        var now = DateTimeOffset.UtcNow;
        await store.CreateJobAsync(new JobDocument { JobId = "job-2", IndexName = "docs", Status = JobStatus.Running, StartedAt = now, UpdatedAt = now }, default);
        var message = new WorkMessage { JobId = "job-2", Bucket = "b", Range = KeyRange.Whole("p/") };
        var unit = RangeWorker.PendingUnit(message, now);
        await store.CreatePendingUnitsAsync([unit], default);
        var successor = message with { Range = new KeyRange("p/", "p/😀", null) };

        await store.RecordPlanAsync(unit with { Own = message.Range.Through("p/😀"), Successors = [successor] }, [RangeWorker.PendingUnit(successor, now)], default);
        // A redelivery records the same plan again: the existing successor is no error.
        await store.RecordPlanAsync(unit with { Own = message.Range.Through("p/😀"), Successors = [successor] }, [RangeWorker.PendingUnit(successor, now)], default);

        var read = await store.GetJobAndUnitAsync("job-2", unit.UnitId, default);
        Assert.Equal(JobStatus.Running, read.Job!.Status);
        Assert.Equal("p/😀", read.Unit!.Own!.Until);
        Assert.Equal(successor, Assert.Single(read.Unit.Successors!));
        Assert.Equal(2, await store.CountPendingUnitsAsync("job-2", default));
        Assert.True(await store.TryReplaceJobAsync(read.Job with { Status = JobStatus.Finalizing }, read.JobVersion, default));
        Assert.Null((await store.GetJobAndUnitAsync("job-3", "none", default)).Job);
    }
}
