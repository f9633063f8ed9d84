using System.Diagnostics;
using Microsoft.Extensions.Logging;
using S3Connector.Cli.Queue;
using S3Connector.Core;
using S3Connector.Core.Configuration;
using S3Connector.Core.Documents;
using S3Connector.Core.Elasticsearch;
using S3Connector.Core.Jobs;
using S3Connector.Core.Queue;
using S3Connector.Core.Sync;
using S3Connector.Functions.Handlers;

namespace S3Connector.Cli.Commands;

/// <summary>
/// <c>sync</c>: one full sync through the same handlers the Lambdas run. The scheduler handler starts the job; worker
/// handler calls, fed by an in-process queue (or a real SQS queue), carry it; the jobs index says when it is over.
/// </summary>
public static class SyncCommand
{
    public static readonly IReadOnlySet<string> Options = new HashSet<string>(StringComparer.Ordinal)
    {
        "--config", "--dry-run", "--queue-url", "--concurrency",
    };

    private const int DefaultConsumers = 4;

    public const string Interrupted =
        "interrupted: the sync was stopped before it finished (Ctrl-C); it deleted nothing outside the ranges it finished";

    public static async Task<int> RunAsync(
        CliArguments args, ConnectorOptions options, ILoggerFactory loggers, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var dryRun = args.Option("--dry-run");
        var queueUrl = args.Option("--queue-url");
        var consumers = args.Option("--concurrency") is { } text
            ? int.TryParse(text, out var n) && n is > 0 and <= 64 ? n : throw new UsageException("--concurrency must be a number from 1 to 64.")
            : DefaultConsumers;

        using var dryRunSink = dryRun is null ? null : new NdjsonDocumentSink(dryRun);
        IJobStore? dryRunJobs = dryRun is null ? null : new InMemoryJobStore();
        using var sqs = queueUrl is null ? null : SqsClientFactory.Create(options);
        var inProcess = queueUrl is null ? new InProcessWorkQueue(options.WorkMaxReceiveCount) : null;
        IWorkQueue queue = inProcess ?? (IWorkQueue)new SqsWorkQueue(sqs!, queueUrl!, S3Connector.Core.Retries.RetryPolicy.System);

        using var services = new ConnectorServices(options, queue, loggers, dryRunSink, dryRunJobs);
        var worker = new WorkerFunction(services, loggers.CreateLogger<WorkerFunction>());
        var scheduler = new SchedulerFunction(services, inProcess is null ? JobRunner.Sqs : JobRunner.InProcess);
        var workerContext = new CliContext("WorkerFunction");

        using var stopConsumers = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var consuming = inProcess is not null
            ? inProcess.RunConsumersAsync(consumers, e => worker.HandleAsync(e, workerContext), stopConsumers.Token)
            : new SqsConsumer(sqs!, queueUrl!, services.Retry, loggers.CreateLogger<SqsConsumer>())
                .RunAsync(consumers, e => worker.HandleAsync(e, workerContext), stopConsumers.Token);

        var clock = Stopwatch.StartNew();
        try
        {
            var start = await scheduler.HandleAsync(null, new CliContext("SchedulerFunction"));
            if (start.SkippedBecauseRunning is { } running)
            {
                await error.WriteLineAsync($"Sync job {running} is still running for index '{options.IndexName}'; wait for it to end (a job that makes no progress for {SyncScheduler.StalledAfter.TotalHours:F0} hours is abandoned).");
                return ExitCodes.Failed;
            }

            SyncSummary summary;
            try
            {
                summary = await WaitForEndAsync(services, start.JobId, inProcess, consuming, clock, error, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested && inProcess is not null)
            {
                // Its messages die with this process: failed now, it cannot hold back the scheduler's next sync.
                // Disposed by the using; the analyzer loses it at the rethrow below.
#pragma warning disable CA2000
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
#pragma warning restore CA2000
                await services.Completion.FailAsync(start.JobId, Interrupted, grace.Token, countUnits: false);
                throw;
            }

            await error.WriteLineAsync();
            Report.Summary(output, summary);
            if (dryRun is not null)
            {
                await output.WriteLineAsync($"Dry run: nothing was written to Elasticsearch; the documents are in {dryRun}.");
            }

            return summary.Status == JobStatus.Completed ? ExitCodes.Success : ExitCodes.Failed;
        }
        finally
        {
            await stopConsumers.CancelAsync();
            await consuming;
        }
    }

    private static async Task<SyncSummary> WaitForEndAsync(
        ConnectorServices services, string jobId, InProcessWorkQueue? queue, Task consuming, Stopwatch clock, TextWriter error, CancellationToken ct)
    {
        var interactive = !Console.IsErrorRedirected;
        var lastReport = TimeSpan.Zero;
        while (true)
        {
            // Short, so a small sync's summary is not held back: one read of the job document (in memory for a dry run).
            await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
            if (consuming.IsCompleted)
            {
                // The consumers only end when told to: if they did, nothing carries the job's work any more.
                await consuming;
                throw new InvalidOperationException($"The workers stopped before sync job {jobId} ended.");
            }

            (JobDocument Job, JobVersion Version)? read;
            try
            {
                read = await services.Jobs.GetJobAsync(jobId, ct);
            }
            catch (Exception e) when (e is ElasticsearchException or HttpRequestException && !ct.IsCancellationRequested)
            {
                // Elasticsearch away for a while (its own retries spent): the workers keep going, so keep waiting.
                await error.WriteLineAsync($"Could not read sync job {jobId} ({e.Message}); still waiting for it to end.");
                await Task.Delay(TimeSpan.FromSeconds(5), ct);
                continue;
            }

            if (read is var (job, _) && job.Status.IsTerminal())
            {
                Report.Progress(error, services.Progress, clock.Elapsed, interactive);
                return JobCompletion.Summarize(job);
            }

            if (queue is { Outstanding: 0 })
            {
                // Every message was handled or dead-lettered and yet the job is open: only a dead letter does that.
                await services.Completion.TryCompleteAsync(jobId, ct);
                if (await services.Jobs.GetJobAsync(jobId, ct) is var (after, _) && !after.Status.IsTerminal())
                {
                    await services.Completion.FailAsync(jobId, $"{queue.DeadLetters.Count} work messages were dead-lettered", ct);
                }
            }

            if (interactive || clock.Elapsed - lastReport >= TimeSpan.FromSeconds(5))
            {
                Report.Progress(error, services.Progress, clock.Elapsed, interactive);
                lastReport = clock.Elapsed;
            }
        }
    }
}
