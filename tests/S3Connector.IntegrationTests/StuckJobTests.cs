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

        public List<(string Handle, TimeSpan Delay)> Redelivered { get; } = [];

        public Task RedeliverLaterAsync(string receiptHandle, TimeSpan delay, CancellationToken ct)
        {
            lock (Redelivered)
            {
                Redelivered.Add((receiptHandle, delay));
            }

            return Task.CompletedTask;
        }

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

    private static JobDocument Job(ConnectorServices services, string bucket, JobStatus status, TimeSpan startedAgo, TimeSpan updatedAgo) => new()
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
    public async Task A_range_returned_for_a_retry_comes_back_after_a_backoff_not_the_visibility_timeout()
    {
        var (services, queue, bucket) = await ServicesAsync("backoff");
        using var _services = services;
        var start = await ScheduleAsync(services);
        var range = queue.Sent.First(m => m.JobId == start.JobId);
        await stack.Aws.InjectFaultAsync("GET", "/" + bucket, 503, "SlowDown", count: -1);
        SqsBatchResponse response;
        try
        {
            response = await new WorkerFunction(services, NullLogger<WorkerFunction>.Instance).HandleAsync(
                new SqsEvent
                {
                    Records =
                    [
                        new SqsMessage
                        {
                            MessageId = "m1", ReceiptHandle = "h1", Body = JsonSerializer.Serialize(range, ConnectorJson.Default.WorkMessage),
                            Attributes = new() { ["ApproximateReceiveCount"] = "2" },
                        },
                    ],
                },
                new Cli.Commands.CliContext("WorkerFunction"));
        }
        finally
        {
            await stack.Aws.ClearFaultsAsync();
        }

        Assert.Equal("m1", Assert.Single(response.BatchItemFailures).ItemIdentifier);
        var (handle, delay) = Assert.Single(queue.Redelivered);
        Assert.Equal("h1", handle);
        Assert.InRange(delay, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60)); // second delivery: 30-60 s
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

    [Fact]
    public async Task Ctrl_C_fails_the_in_process_job_so_it_blocks_no_later_sync()
    {
        if (stack.EsServer is not { } server)
        {
            return; // Needs the test server's latency injection to keep the sync running.
        }

        var bucket = await stack.CreateBucketAsync("ctrlc");
        await stack.PutManyAsync(bucket, Enumerable.Range(0, 400).Select(i => ($"k{i:D4}.txt", "text " + i)), parallelism: 16);
        var index = SyncStack.NewName("ctrlc");
        var config = stack.WriteConfig(index, [bucket], c => c["page_size"] = 10);
        var options = ConnectorConfiguration.Load(config, new Dictionary<string, string?>());
        using var services = new ConnectorServices(options, new KeptQueue(), NullLoggerFactory.Instance);
        server.Faults.LatencyPathContains = $"/{index}/_bulk";
        server.Faults.Latency = TimeSpan.FromMilliseconds(500);
        int code;
        string? jobId;
        using var error = new StringWriter();
        try
        {
            using var ctrlC = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var sync = Cli.Program.RunAsync(["sync", "--config", config], new Dictionary<string, string?>(), TextWriter.Null, error, ctrlC.Token);
            // Ctrl-C once the job runs and has work in flight.
            JobDocument? running;
            while ((running = await services.Jobs.FindActiveJobAsync(index, default)) is null && !sync.IsCompleted)
            {
                await Task.Delay(50);
            }

            jobId = running?.JobId;

            await Task.Delay(500);
            await ctrlC.CancelAsync();
            code = await sync;
        }
        finally
        {
            server.Faults.Clear();
        }

        Assert.Equal(1, code);
        Assert.Contains("Cancelled", error.ToString(), StringComparison.Ordinal);
        Assert.NotNull(jobId);
        var job = await JobAsync(services, jobId);
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.StartsWith("interrupted", job.Error, StringComparison.Ordinal);
        Assert.Null(await services.Jobs.FindActiveJobAsync(index, default));
    }

    [Fact]
    public async Task Two_syncs_started_at_the_same_moment_record_one_job()
    {
        if (stack.EsServer is not { } server)
        {
            return; // Needs the test server's latency injection to make both starts pass the active-job check.
        }

        var (first, firstQueue, _) = await ServicesAsync("overlap");
        using var _first = first;
        var secondQueue = new KeptQueue();
        using var second = new ConnectorServices(first.Options, secondQueue, NullLoggerFactory.Instance);
        // Both starts search for an active job before either has recorded one: only the lock can keep them apart.
        server.Faults.LatencyPathContains = $"/{first.Options.JobsIndex}/_search";
        server.Faults.Latency = TimeSpan.FromMilliseconds(400);
        SchedulerResponse[] started;
        try
        {
            started = await Task.WhenAll(ScheduleAsync(first), ScheduleAsync(second));
        }
        finally
        {
            server.Faults.Clear();
        }

        Assert.Single(started.Select(s => s.JobId).Distinct());
        Assert.Single(started, s => s.Ranges > 0);
        Assert.DoesNotContain(firstQueue.Sent.Concat(secondQueue.Sent), m => m.JobId != started[0].JobId);

        // The lock frees when its job ends: the next start after a failed job goes ahead.
        await first.Completion.FailAsync(started[0].JobId, "test: ended", default);
        var next = await ScheduleAsync(second);
        Assert.NotEqual(started[0].JobId, next.JobId);
        Assert.True(next.Ranges > 0);
    }

    [Fact]
    public async Task A_lock_whose_starter_died_before_recording_its_job_blocks_only_for_the_start_grace()
    {
        var (services, _, _) = await ServicesAsync("deadstarter");
        using var _services = services;
        await services.Jobs.EnsureAsync(default);
        var starting = new SyncLock { IndexName = services.Options.IndexName, JobId = "starting-job", UpdatedAt = DateTimeOffset.UtcNow };
        Assert.True(await services.Jobs.TryCreateLockAsync(starting, default));

        var skipped = await ScheduleAsync(services);
        Assert.Equal("starting-job", skipped.SkippedBecauseRunning);

        var held = (await services.Jobs.GetLockAsync(services.Options.IndexName, default))!.Value;
        Assert.True(await services.Jobs.TryReplaceLockAsync(
            starting with { UpdatedAt = DateTimeOffset.UtcNow - SyncLock.StartGrace - TimeSpan.FromSeconds(1) }, held.Version, default));
        var started = await ScheduleAsync(services);
        Assert.Null(started.SkippedBecauseRunning);
        Assert.True(started.Ranges > 0);
        Assert.Equal(started.JobId, (await services.Jobs.GetLockAsync(services.Options.IndexName, default))!.Value.Lock.JobId);
    }
}
