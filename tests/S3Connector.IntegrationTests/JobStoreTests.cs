using S3Connector.Core.Configuration;
using S3Connector.Core.Elasticsearch;
using S3Connector.Core.Jobs;
using S3Connector.IntegrationTests.Infrastructure;

namespace S3Connector.IntegrationTests;

public sealed class JobStoreTests(SyncStack stack) : IClassFixture<SyncStack>
{
    [Fact]
    public async Task A_stale_job_version_is_refused_not_thrown()
    {
        var client = ElasticsearchClientFactory.Create(new ElasticsearchOptions { Host = stack.EsUrl });
        var store = new ElasticsearchJobStore(client, SyncStack.NewName("jobs"));
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
    public async Task Recording_an_existing_unit_again_is_not_an_error()
    {
        var client = ElasticsearchClientFactory.Create(new ElasticsearchOptions { Host = stack.EsUrl });
        var store = new ElasticsearchJobStore(client, SyncStack.NewName("jobs"));
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
        var sink = new ElasticsearchSink(ElasticsearchClientFactory.Create(options.Elasticsearch), options,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<ElasticsearchSink>.Instance);
        var newer = Core.Documents.DocumentBuilder.MetadataDocument(
            new Core.Documents.S3ObjectInfo("b", "k.txt", 2, DateTimeOffset.UnixEpoch, "new", "STANDARD", ""), null, DateTimeOffset.UtcNow);
        var older = newer with { Etag = "old", ObservedAt = newer.ObservedAt.AddSeconds(-1) };

        Assert.Empty(await sink.IndexAsync([newer], default));
        Assert.Empty(await sink.IndexAsync([older], default));
        Assert.Empty(await sink.DeleteAsync([(newer.Id, older.ObservedAt)], default));

        var documents = await stack.ReadIndexAsync(index);
        Assert.Equal("new", documents[newer.Id]["etag"]!.GetValue<string>());
    }
}
