using Microsoft.Extensions.Logging;
using S3Connector.Core.Configuration;
using S3Connector.Core.Diagnostics;
using S3Connector.Core.Documents;
using S3Connector.Core.Elasticsearch;
using S3Connector.Core.Jobs;
using S3Connector.Core.Queue;
using S3Connector.Core.Rules;
using S3Connector.Core.S3;

namespace S3Connector.Core.Sync;

/// <summary>
/// Handles one work message: lists one page, hands its continuation to the queue, and indexes the page's objects in
/// the same invocation (a page is at most <c>page_size</c> objects, so one message is a bounded amount of work and
/// no second message type is needed).
/// </summary>
public sealed class PageWorker(
    ConnectorOptions options,
    S3Gateway s3,
    DocumentBuilder builder,
    IDocumentSink sink,
    IJobStore jobs,
    IWorkQueue queue,
    JobCompletion completion,
    SyncProgress progress,
    TimeProvider time,
    ILogger<PageWorker> logger,
    SyncRules? rules = null)
{
    private readonly SyncRules _rules = rules ?? SyncRules.From(options);

    /// <param name="lastAttempt">True when this delivery is the last before the dead-letter queue: record, don't retry.</param>
    public async Task<WorkOutcome> ProcessAsync(WorkMessage message, bool lastAttempt, CancellationToken ct)
    {
        if (message.Version != WorkMessage.CurrentVersion)
        {
            return WorkOutcome.Permanent($"unknown work message version {message.Version}");
        }

        var unitId = message.UnitId;
        var job = await jobs.GetJobAsync(message.JobId, ct);
        if (job is not var (jobDocument, _) || jobDocument.Status != JobStatus.Running)
        {
            Log.MessageIgnored(logger, unitId, job is null ? "unknown sync job" : $"sync job is {job.Value.Job.Status}");
            return WorkOutcome.Done;
        }

        var unit = await jobs.GetUnitAsync(unitId, ct);
        if (unit is { Status: not UnitStatus.Pending })
        {
            // A redelivery of finished work. The first delivery may have died before completing the job: check again.
            Log.MessageIgnored(logger, unitId, "page already processed");
            await completion.TryCompleteAsync(message.JobId, ct);
            return WorkOutcome.Done;
        }

        ListPage page;
        var observedAt = time.GetUtcNow();
        try
        {
            page = await s3.ListAsync(message.Bucket, message.Region, message.Prefix, message.Shallow,
                message.ContinuationToken, options.PageSize, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            var reason = $"listing s3://{message.Bucket}/{message.Prefix} failed: {S3Errors.Describe(e)}";
            return S3Errors.IsRetryable(e) && !lastAttempt
                ? RetryLater(unitId, reason)
                : await FailUnitAsync(message, reason, ct);
        }

        if (page.NextContinuationToken is { } token)
        {
            var next = message.Next(token);
            await jobs.CreatePendingUnitsAsync([PendingUnit(next, time.GetUtcNow())], ct);
            await queue.SendAsync([next], ct);
        }

        var (counters, retryable, firstFailure) = await IndexObjectsAsync(message, page.Objects, observedAt, lastAttempt, ct);
        if (retryable is not null)
        {
            return RetryLater(unitId, retryable);
        }

        // The page is done even with failed objects; its error tells the job's summary why the sync failed.
        var error = counters.Failed > 0 ? $"{counters.Failed} objects of s3://{message.Bucket}/{message.Prefix} failed, first: {firstFailure}" : null;
        await jobs.FinishUnitAsync(FinishedUnit(message, UnitStatus.Done, counters, error), ct);
        progress.AddPage(counters);
        Log.PageDone(logger, unitId, message.Bucket, message.Prefix, counters.Listed, counters.Indexed, counters.Failed);
        await completion.TryCompleteAsync(message.JobId, ct);
        return WorkOutcome.Done;
    }

    private async Task<(JobCounters Counters, string? RetryReason, string? FirstFailure)> IndexObjectsAsync(
        WorkMessage message, IReadOnlyList<S3ObjectInfo> objects, DateTimeOffset observedAt, bool lastAttempt, CancellationToken ct)
    {
        var skipped = new Dictionary<string, long>(StringComparer.Ordinal);
        var metadataOnly = new Dictionary<string, long>(StringComparer.Ordinal);
        long indexed = 0, withContent = 0, failed = 0, bytes = 0;
        string? firstFailure = null;
        var included = new List<S3ObjectInfo>(objects.Count);
        var decideAfterFetch = new HashSet<S3ObjectInfo>();
        foreach (var obj in objects)
        {
            // Decided on the listing: an excluded object costs no GetObject.
            var decision = _rules.Decide(obj);
            switch (decision.Verdict)
            {
                case RuleVerdict.Exclude:
                    Exclude(obj, decision, skipped);
                    break;
                case RuleVerdict.NeedsFetch:
                    decideAfterFetch.Add(obj);
                    included.Add(obj);
                    break;
                default:
                    included.Add(obj);
                    break;
            }
        }

        // Groups bound memory: at most one group of bodies plus one bulk request is held at a time.
        foreach (var group in included.Chunk(options.ConcurrentDownloads * 2))
        {
            using var throttle = new SemaphoreSlim(options.ConcurrentDownloads);
            var built = await Task.WhenAll(group.Select(async obj =>
            {
                await throttle.WaitAsync(ct);
                try
                {
                    return (obj, await builder.BuildAsync(obj, message.Region, message.JobId, observedAt, ct));
                }
                finally
                {
                    throttle.Release();
                }
            }));

            var documents = new List<S3Document>(built.Length);
            var sources = new Dictionary<string, S3ObjectInfo>(StringComparer.Ordinal);
            foreach (var (obj, result) in built)
            {
                bytes += result.BytesDownloaded;
                if (result.Document is not null && decideAfterFetch.Contains(obj))
                {
                    if (result.Fate == ObjectFate.Retryable && lastAttempt)
                    {
                        // Its rule could not see the fetched fields: failing the sync beats indexing what it may exclude.
                        failed++;
                        firstFailure ??= Failure(obj, result.Reason);
                        continue;
                    }

                    var decision = _rules.Decide(obj, FetchedFields.From(result.Document));
                    if (decision.Verdict == RuleVerdict.Exclude)
                    {
                        Exclude(obj, decision, skipped);
                        continue;
                    }
                }

                switch (result.Fate)
                {
                    case ObjectFate.Gone:
                        Increment(skipped, result.Reason!);
                        continue;
                    case ObjectFate.Retryable when !lastAttempt:
                        return (new JobCounters(), $"reading s3://{obj.Bucket}/{obj.Key} failed; the page will be retried", null);
                    case ObjectFate.Retryable:
                        // Last attempt: keep the object findable by its metadata, and fail the sync so nothing is deleted.
                        failed++;
                        firstFailure ??= Failure(obj, result.Reason);
                        Increment(metadataOnly, result.Reason!);
                        break;
                    case ObjectFate.MetadataOnly:
                        Increment(metadataOnly, result.Reason!);
                        break;
                    case ObjectFate.Content:
                        withContent++;
                        break;
                }

                documents.Add(result.Document!);
                sources[result.Document!.Id] = obj;
            }

            var failures = await sink.IndexAsync(documents, ct);
            if (failures.Count > 0 && !lastAttempt)
            {
                return (new JobCounters(), $"{failures.Count} documents were not indexed ({failures[0].Reason}); the page will be retried", null);
            }

            foreach (var failure in failures)
            {
                var obj = sources[failure.DocumentId];
                Log.DocumentFailed(logger, failure.DocumentId, obj.Bucket, obj.Key, failure.Reason);
                firstFailure ??= Failure(obj, failure.Reason);
            }

            indexed += documents.Count - failures.Count;
            failed += failures.Count;
        }

        return (new JobCounters
        {
            Listed = objects.Count,
            Indexed = indexed,
            IndexedWithContent = withContent,
            Failed = failed,
            BytesDownloaded = bytes,
            Skipped = skipped,
            MetadataOnly = metadataOnly,
        }, null, firstFailure);
    }

    /// <summary>One object's failure as the unit records it, for the job's "First failure" line.</summary>
    private static string Failure(S3ObjectInfo obj, string? reason) => $"s3://{obj.Bucket}/{obj.Key}: {reason}";

    private void Exclude(S3ObjectInfo obj, RuleDecision decision, Dictionary<string, long> skipped)
    {
        Increment(skipped, decision.TimedOut ? "rule_timeout" : "excluded_by_rule");
        if (decision.TimedOut)
        {
            Log.RuleTimedOut(logger, obj.Bucket, obj.Key, decision.RuleId ?? "");
        }
    }

    private WorkOutcome RetryLater(string unitId, string reason)
    {
        Log.UnitRetry(logger, unitId, reason);
        return WorkOutcome.Retry(reason);
    }

    private async Task<WorkOutcome> FailUnitAsync(WorkMessage message, string reason, CancellationToken ct)
    {
        Log.UnitFailed(logger, message.UnitId, reason);
        await jobs.FinishUnitAsync(FinishedUnit(message, UnitStatus.Failed, new JobCounters { FailedPages = 1 }, reason), ct);
        await completion.FailAsync(message.JobId, reason, ct);
        return WorkOutcome.Permanent(reason);
    }

    public static UnitDocument PendingUnit(WorkMessage message, DateTimeOffset now) => new()
    {
        JobId = message.JobId,
        UnitId = message.UnitId,
        Status = UnitStatus.Pending,
        Bucket = message.Bucket,
        Prefix = message.Prefix,
        Page = message.Page,
        UpdatedAt = now,
    };

    private UnitDocument FinishedUnit(WorkMessage message, string status, JobCounters counters, string? error) =>
        PendingUnit(message, time.GetUtcNow()) with { Status = status, Counters = counters, Error = error };

    private static void Increment(Dictionary<string, long> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;
}
