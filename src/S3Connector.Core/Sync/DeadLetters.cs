using Microsoft.Extensions.Logging;
using S3Connector.Core.Diagnostics;
using S3Connector.Core.Jobs;

namespace S3Connector.Core.Sync;

/// <summary>
/// A work message that reached the dead-letter queue: its range will never be worked, so its job can no longer
/// complete. Recording it fails the job at once (without summing its units first, which a large job could not do in
/// the time left), so the next scheduled sync starts instead of waiting for the job to be judged stalled.
/// </summary>
public sealed class DeadLetters(IJobStore jobs, JobCompletion completion, TimeProvider time, ILogger<DeadLetters> logger)
{
    public static string Reason(WorkMessage message, string cause) =>
        $"the work message for s3://{message.Bucket}/{message.Range} went to the dead-letter queue: {cause}; " +
        "the sync deleted nothing outside the ranges it finished, and the next one repeats the work";

    /// <returns>False when the range was done after all or its job already ended (a duplicate message): nothing to do.</returns>
    public async Task<bool> RecordAsync(WorkMessage message, string cause, CancellationToken ct)
    {
        if (message.Version != WorkMessage.CurrentVersion)
        {
            await completion.FailAsync(message.JobId, Reason(message, $"{cause} (message version {message.Version})"), ct, countUnits: false);
            return true;
        }

        var state = await jobs.GetJobAndUnitAsync(message.JobId, message.UnitId, ct);
        if (state.Job is null || state.Job.Status.IsTerminal() || state.Unit is { Status: not UnitStatus.Pending })
        {
            Log.MessageIgnored(logger, message.UnitId, "dead letter of a finished range or job");
            return false;
        }

        var reason = Reason(message, cause);
        await jobs.FinishUnitAsync((state.Unit ?? RangeWorker.PendingUnit(message, time.GetUtcNow())) with
        {
            Status = UnitStatus.Failed,
            Counters = new JobCounters { FailedPages = 1 },
            Error = reason,
            UpdatedAt = time.GetUtcNow(),
        }, ct);
        await completion.FailAsync(message.JobId, reason, ct, countUnits: false);
        return true;
    }
}
