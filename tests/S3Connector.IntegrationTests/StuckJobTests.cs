using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using S3Connector.Core;
using S3Connector.Core.Configuration;
using S3Connector.Core.Jobs;
using S3Connector.Core.Json;
using S3Connector.Core.Queue;
using S3Connector.Core.Sync;
using S3Connector.Functions.Events;
using S3Connector.Functions.Handlers;
using S3Connector.IntegrationTests.Infrastructure;

namespace S3Connector.IntegrationTests;

/// <summary>No job stays active once its work is gone: dead letters fail it, a dead finalizer is replaced, a job that
/// stopped progressing stops blocking, and one that progresses is never cut off however long it runs.</summary>
public sealed class StuckJobTests(SyncStack stack) : IClassFixture<SyncStack>
{
    private sealed class KeptQueue : IWorkQueue
    {
        public List<WorkMessage> Sent { get; } = [];

        public Task SendAsync(IReadOnlyList<WorkMessage> messages, CancellationToken ct)
        {
            lock (Sent)
            {
                Sent.AddRange(messages);
            }

            return Task.CompletedTask;
        }
    }

    private async Task<(ConnectorServices Services, KeptQueue Queue, string Bucket)> ServicesAsync(string name)
    {
        var bucket = await stack.CreateBucketAsync(name);
        await stack.PutManyAsync(bucket, [("a.txt", "a"), ("b/c.txt", "c")]);
        var options = ConnectorConfiguration.Load(stack.WriteConfig(SyncStack.NewName(name), [bucket]), new Dictionary<string, string?>());
        var queue = new KeptQueue();
        return (new ConnectorServices(options, queue, NullLoggerFactory.Instance), queue, bucket);
    }

    private static Task<SchedulerResponse> ScheduleAsync(ConnectorServices services) =>
        new SchedulerFunction(services).HandleAsync(null, new Cli.Commands.CliContext("SchedulerFunction"));

    private static async Task<JobDocument> JobAsync(ConnectorServices services, string jobId) =>
        (await services.Jobs.GetJobAsync(jobId, default))!.Value.Job;

    private static JobDocument Job(ConnectorServices services, string bucket, string status, TimeSpan startedAgo, TimeSpan updatedAgo) => new()
    {
        JobId = "old-" + Guid.NewGuid().ToString("N"),
        IndexName = services.Options.IndexName,
        Status = status,
        Buckets = [bucket],
        Scopes = [new ListingScope(bucket, "")],
        Runner = JobRunner.Sqs,
        StartedAt = DateTimeOffset.UtcNow - startedAgo,
        UpdatedAt = DateTimeOffset.UtcNow - updatedAgo,
    };

    [Fact]
    public async Task A_dead_lettered_range_fails_its_job_and_the_next_sync_starts()
    {
        var (services, queue, _) = await ServicesAsync("deadletter");
        using var _services = services;
        var first = await ScheduleAsync(services);
        var range = Assert.IsType<WorkMessage>(queue.Sent.First(m => m.JobId == first.JobId));

        var response = await new DeadLetterFunction(services, NullLogger<DeadLetterFunction>.Instance).HandleAsync(
            new SqsEvent { Records = [new SqsMessage { MessageId = "m1", Body = JsonSerializer.Serialize(range, ConnectorJson.Default.WorkMessage) }] },
            new Cli.Commands.CliContext("DeadLetterFunction"));

        Assert.Empty(response.BatchItemFailures);
        var job = await JobAsync(services, first.JobId);
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Contains("dead-letter queue", job.Error, StringComparison.Ordinal);
        var second = await ScheduleAsync(services);
        Assert.NotEqual(first.JobId, second.JobId);
        Assert.Null(second.SkippedBecauseRunning);
    }

    [Fact]
    public async Task A_finalize_whose_lease_expired_is_taken_over_by_the_next_scheduled_sync()
    {
        var (services, _, bucket) = await ServicesAsync("finalize");
        using var _services = services;
        await services.Jobs.EnsureAsync(default);
        var dead = Job(services, bucket, JobStatus.Finalizing, TimeSpan.FromMinutes(40), JobCompletion.FinalizeLease + TimeSpan.FromMinutes(1));
        await services.Jobs.CreateJobAsync(dead, default);

        var next = await ScheduleAsync(services);

        Assert.Equal(JobStatus.Completed, (await JobAsync(services, dead.JobId)).Status);
        Assert.NotEqual(dead.JobId, next.JobId);
    }

    [Fact]
    public async Task A_job_without_progress_stops_blocking_and_a_long_one_that_progresses_is_not_cut_off()
    {
        var (services, _, bucket) = await ServicesAsync("stalled");
        using var _services = services;
        await services.Jobs.EnsureAsync(default);
        var busy = Job(services, bucket, JobStatus.Running, TimeSpan.FromHours(30), TimeSpan.FromHours(30));
        await services.Jobs.CreateJobAsync(busy, default);
        await services.Jobs.CreatePendingUnitsAsync([new UnitDocument
        {
            JobId = busy.JobId, UnitId = busy.JobId + ":u", Status = UnitStatus.Pending, UpdatedAt = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(3),
        }], default);

        var blocked = await ScheduleAsync(services);
        Assert.Equal(busy.JobId, blocked.SkippedBecauseRunning ?? blocked.JobId);
        Assert.Equal(JobStatus.Running, (await JobAsync(services, busy.JobId)).Status);

        await services.Jobs.FinishUnitAsync(new UnitDocument
        {
            JobId = busy.JobId, UnitId = busy.JobId + ":u", Status = UnitStatus.Pending,
            UpdatedAt = DateTimeOffset.UtcNow - SyncScheduler.StalledAfter - TimeSpan.FromMinutes(1),
        }, default);
        var next = await ScheduleAsync(services);

        var stalled = await JobAsync(services, busy.JobId);
        Assert.Equal(JobStatus.Failed, stalled.Status);
        Assert.Contains("no progress since", stalled.Error, StringComparison.Ordinal);
        Assert.NotEqual(busy.JobId, next.JobId);
    }
}
