using Microsoft.Extensions.Logging;
using S3Connector.Core.Diagnostics;
using S3Connector.Core.Elasticsearch;
using S3Connector.Core.Jobs;

namespace S3Connector.Core.Sync;

/// <summary>
/// Ends a job once no unit is pending. Every unit is recorded as pending before the message that carries it is sent,
/// and a unit is marked done only after the units it spawned were recorded, so "zero pending" cannot be seen while
/// work remains. Several workers may see zero at once: a compare-and-set on the job document picks one finalizer.
/// </summary>
public sealed class JobCompletion(
    IJobStore jobs, IDocumentSink sink, TimeProvider time, ILogger<JobCompletion> logger, IConnectorMetrics? metrics = null)
{
    private readonly IConnectorMetrics _metrics = metrics ?? NoConnectorMetrics.Instance;

    /// <summary>A finalizer that has not finished within this time is presumed dead and may be replaced.</summary>
    public static readonly TimeSpan FinalizeLease = TimeSpan.FromMinutes(15);

    public async Task<SyncSummary?> TryCompleteAsync(string jobId, CancellationToken ct)
    {
        if (await jobs.CountPendingUnitsAsync(jobId, ct) > 0)
        {
            return null;
        }

        var current = await jobs.GetJobAsync(jobId, ct);
        if (current is not var (job, version) || job.Status.IsTerminal())
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (job.Status == JobStatus.Finalizing && now - job.UpdatedAt < FinalizeLease)
        {
            return null;
        }

        var claimed = job with { Status = JobStatus.Finalizing, UpdatedAt = now };
        if (!await jobs.TryReplaceJobAsync(claimed, version, ct))
        {
            return null;
        }

        var (counters, firstError) = await jobs.SumUnitsAsync(jobId, ct);
        JobStatus status;
        string? error = null;
        if (counters.Failed > 0 || counters.FailedPages > 0)
        {
            status = JobStatus.Failed;
            error = $"{counters.Failed} objects could not be indexed and {counters.FailedPages} key ranges could not be listed; the failed ranges deleted nothing and no document outside the synced buckets was removed" +
                (firstError is null ? "" : $". First failure: {firstError}");
        }
        else
        {
            // Inside the scopes every range deleted its own stale documents; what is left is outside them all.
            // A job recorded before scopes existed has none: deleting "outside nothing" would empty the index.
            var deleted = job.Scopes.Count > 0 || job.Buckets.Count == 0 ? await sink.DeleteOutsideAsync(job.Scopes, ct) : 0;
            counters = counters with { Deleted = counters.Deleted + deleted };
            status = JobStatus.Completed;
        }

        return await FinishAsync(jobId, status, error, counters, ct);
    }

    /// <summary>Ends the job at once (a page failed for good): no deletion can be trusted any more.</summary>
    /// <param name="countUnits">False when time is short (a last delivery at its deadline, a dead letter): the job
    /// fails with the counters it has, since summing every unit of a large job first could outlast the budget.</param>
    public async Task FailAsync(string jobId, string reason, CancellationToken ct, bool countUnits = true)
    {
        var counters = countUnits ? (await jobs.SumUnitsAsync(jobId, ct)).Counters : null;
        await FinishAsync(jobId, JobStatus.Failed, reason, counters, ct);
    }

    private async Task<SyncSummary?> FinishAsync(string jobId, JobStatus status, string? error, JobCounters? counters, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var current = await jobs.GetJobAsync(jobId, ct);
            if (current is not var (job, version) || job.Status.IsTerminal())
            {
                return null;
            }

            var now = time.GetUtcNow();
            var finished = job with { Status = status, Error = error, Counters = counters ?? job.Counters, UpdatedAt = now, FinishedAt = now };
            if (await jobs.TryReplaceJobAsync(finished, version, ct))
            {
                if (status == JobStatus.Failed)
                {
                    Log.JobFailed(logger, jobId, error ?? "failed");
                }

                var total = finished.Counters ?? new JobCounters();
                Log.JobFinished(logger, jobId, status.Wire(), total.Listed, total.Indexed, total.Failed, total.Deleted);
                var summary = Summarize(finished);
                _metrics.Publish(finished.IndexName, ConnectorMetrics.SyncEnded(summary));
                return summary;
            }
        }

        return null;
    }

    public static SyncSummary Summarize(JobDocument job) => new()
    {
        JobId = job.JobId,
        Status = job.Status,
        Error = job.Error,
        Counters = job.Counters ?? new JobCounters(),
        DurationSeconds = Math.Round(((job.FinishedAt ?? job.UpdatedAt) - job.StartedAt).TotalSeconds, 2),
    };
}
