using System.Globalization;
using Microsoft.Extensions.Logging;
using S3Connector.Core;
using S3Connector.Core.Configuration;
using S3Connector.Core.Jobs;
using S3Connector.Core.Queue;
using S3Connector.Core.Sync;

namespace S3Connector.Cli.Commands;

/// <summary>
/// <c>jobs</c>: the index's recent sync jobs with their progress, and <c>jobs fail ID</c> to end one that is stuck
/// (its remaining messages then do nothing, and the next sync starts at once).
/// </summary>
public static class JobsCommand
{
    public static readonly IReadOnlySet<string> Options = new HashSet<string>(StringComparer.Ordinal) { "--config", "--limit" };

    private const int DefaultLimit = 10;

    public const string FailedByOperator =
        "failed by an operator (s3-connector jobs fail); it deleted nothing outside the ranges it finished";

    public static async Task<int> RunAsync(
        CliArguments args, ConnectorOptions options, ILoggerFactory loggers, TextWriter output, TextWriter error, CancellationToken ct)
    {
        using var services = new ConnectorServices(options, new NullWorkQueue(), loggers);
        return args.Positional switch
        {
            [] => await ListAsync(services, Limit(args), output, ct),
            ["fail", var jobId] => await FailAsync(services, jobId, output, error, ct),
            ["fail"] => throw new UsageException("jobs fail needs the id of the job to fail (see s3-connector jobs)."),
            [var other, ..] => throw new UsageException($"Unknown jobs command '{other}': use 'jobs' or 'jobs fail ID'."),
        };
    }

    private static int Limit(CliArguments args) => args.Option("--limit") is { } text
        ? int.TryParse(text, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 1000 ? n : throw new UsageException("--limit must be a number from 1 to 1000.")
        : DefaultLimit;

    private static async Task<int> ListAsync(ConnectorServices services, int limit, TextWriter output, CancellationToken ct)
    {
        var jobs = await services.Jobs.ListJobsAsync(services.Options.IndexName, limit, ct);
        if (jobs.Count == 0)
        {
            await output.WriteLineAsync($"No sync jobs for index '{services.Options.IndexName}' in '{services.Options.JobsIndex}'.");
            return ExitCodes.Success;
        }

        await output.WriteLineAsync(Row("JOB", "STATUS", "STARTED", "LAST PROGRESS", "LISTED", "INDEXED", "FAILED", "ERROR"));
        var now = services.Time.GetUtcNow();
        foreach (var job in jobs)
        {
            var active = !job.Status.IsTerminal();
            // A running job's counters live in its units until it ends; its last progress is its newest unit update.
            var counters = active ? (await services.Jobs.SumUnitsAsync(job.JobId, ct)).Counters : job.Counters ?? new JobCounters();
            var lastProgress = active
                ? await SyncScheduler.LastProgressAsync(services.Jobs, job, ct)
                : job.FinishedAt ?? job.UpdatedAt;
            var status = active && now - lastProgress >= SyncScheduler.StalledAfter ? job.Status.Wire() + " (stalled)" : job.Status.Wire();
            await output.WriteLineAsync(Row(job.JobId, status, Time(job.StartedAt), Time(lastProgress),
                Count(counters.Listed), Count(counters.Indexed), Count(counters.Failed), job.Error ?? ""));
        }

        return ExitCodes.Success;
    }

    private static async Task<int> FailAsync(ConnectorServices services, string jobId, TextWriter output, TextWriter error, CancellationToken ct)
    {
        if (await services.Jobs.GetJobAsync(jobId, ct) is not var (job, _) || job.IndexName != services.Options.IndexName)
        {
            await error.WriteLineAsync($"No sync job '{jobId}' for index '{services.Options.IndexName}' (see s3-connector jobs).");
            return ExitCodes.Failed;
        }

        if (job.Status.IsTerminal())
        {
            await error.WriteLineAsync($"Sync job {jobId} has already ended: {job.Status.Wire()}.");
            return ExitCodes.Failed;
        }

        await services.Completion.FailAsync(jobId, FailedByOperator, ct);
        var after = await services.Jobs.GetJobAsync(jobId, ct);
        if (after is var (ended, _) && ended.Error == FailedByOperator)
        {
            await output.WriteLineAsync($"Sync job {jobId} failed; the next sync of index '{services.Options.IndexName}' can start.");
            return ExitCodes.Success;
        }

        // It ended on its own between the read and the write.
        await error.WriteLineAsync($"Sync job {jobId} ended before it could be failed: {after?.Job.Status.Wire()}.");
        return ExitCodes.Failed;
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Count(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Row(string job, string status, string started, string progress, string listed, string indexed, string failed, string error) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{job,-26} {status,-20} {started,-20} {progress,-20} {listed,9} {indexed,9} {failed,7}  {error}").TrimEnd();
}
