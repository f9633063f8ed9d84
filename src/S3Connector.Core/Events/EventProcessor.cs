using Microsoft.Extensions.Logging;
using S3Connector.Core.Configuration;
using S3Connector.Core.Diagnostics;
using S3Connector.Core.Documents;
using S3Connector.Core.Elasticsearch;
using S3Connector.Core.Rules;
using S3Connector.Core.S3;

namespace S3Connector.Core.Events;

public enum EventFate
{
    Indexed,
    Deleted,
    Ignored,

    /// <summary>Failed in a way a later delivery can fix (throttling, 5xx, Elasticsearch busy).</summary>
    Retry,

    /// <summary>Failed for good (Elasticsearch refused the document: a mapping error, too large): acknowledged with the
    /// reason logged, since a redelivery would fail the same way.</summary>
    Failed,
}

public sealed record EventOutcome(EventFate Fate, string? Reason = null);

/// <summary>
/// Applies S3 events by reconciling their keys with S3: whatever an event says, the object is read again (HEAD) and
/// its document written from that reading, or deleted when the object is gone or excluded. Every write carries the
/// time of its reading as external version, so duplicated, reordered and concurrent events converge on S3's last
/// state: an older reading can never overwrite a newer one (see docs/ARCHITECTURE.md, "Events").
/// </summary>
public sealed partial class EventProcessor(
    ConnectorOptions options,
    S3Gateway s3,
    DocumentBuilder builder,
    IDocumentSink sink,
    SyncRules rules,
    TimeProvider time,
    ILogger<EventProcessor> logger,
    IConnectorMetrics? metrics = null)
{
    private readonly IConnectorMetrics _metrics = metrics ?? NoConnectorMetrics.Instance;

    /// <summary>
    /// Records read from S3 at once, and planned writes waiting for the sink: with the one bulk request the sink
    /// fills, they bound how many bodies a batch holds, however many records it has.
    /// </summary>
    private const int MaxParallelReads = 8;

    /// <summary>What deciding one record came to: the write it needs, if any, and its outcome once that write is done.</summary>
    private sealed record PlannedWrite(EventOutcome Outcome, DocumentWrite? Write, long BytesDownloaded = 0);

    /// <summary>
    /// Applies a batch of records: each is decided on its own, concurrently (S3 reads), and the writes they plan go to
    /// the sink as one stream, so a batch costs one bulk request, or a few where the sink's flush limits split it.
    /// Returns one outcome per record, in order; a write that failed makes its own record <see cref="EventFate.Retry"/>.
    /// </summary>
    public async Task<IReadOnlyList<EventOutcome>> ApplyAsync(IReadOnlyList<S3EventRecord> records, CancellationToken ct)
    {
        var outcomes = new EventOutcome[records.Count];
        long bytesDownloaded = 0;
        var planned = WriteStream.Open(sink, MaxParallelReads, ct);

        // Two records of one key may both plan a write, even in the same bulk request: Elasticsearch applies the items
        // of one document in request order, and external_gte makes the write of the later reading stand whichever
        // order they come in (the older one gets a 409, which the sink counts as done). Readings of the same millisecond
        // tie, and the later item wins; they can differ only if the object changed between them, and that change's
        // own event reads it later, with a higher version. So no deduplication is needed for convergence, and keeping
        // both lets each record be answered by its own write.
        // The options carry no token: a record reached after the deadline still runs, to be answered Retry.
        await Parallel.ForEachAsync(Enumerable.Range(0, records.Count), new ParallelOptions { MaxDegreeOfParallelism = MaxParallelReads },
            async (i, _) =>
            {
                var record = records[i];
                try
                {
                    ct.ThrowIfCancellationRequested();
                    var plan = await DecideAsync(record, i, ct);
                    outcomes[i] = plan.Outcome;
                    Interlocked.Add(ref bytesDownloaded, plan.BytesDownloaded);
                    if (plan.Write is { } write)
                    {
                        await planned.WriteAsync(write, ct);
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    outcomes[i] = Retry(record, "the invocation ran out of time");
                }
                catch (Exception e)
                {
                    // The sink failed (closing the channel) or a bug: a later delivery reconciles the key again.
                    LogFailed(logger, record.Bucket, record.Key, e.GetType().Name, e.Message);
                    outcomes[i] = new EventOutcome(EventFate.Retry, e.Message);
                }
            });

        Dictionary<int, WriteFailure> failed;
        try
        {
            failed = (await planned.CompleteAsync()).GroupBy(f => f.Tag).ToDictionary(g => g.Key, g => g.First());
        }
        catch (Exception e)
        {
            // Which writes reached Elasticsearch before the failure is unknown: every record that planned one is retried.
            LogWritesFailed(logger, e.GetType().Name, e.Message);
            failed = Enumerable.Range(0, records.Count).ToDictionary(i => i, i => new WriteFailure(i, "", e.Message, Retryable: true));
        }

        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            if (outcomes[i].Fate is not (EventFate.Indexed or EventFate.Deleted))
            {
                continue;
            }

            if (failed.TryGetValue(i, out var failure))
            {
                outcomes[i] = failure.Retryable ? Retry(record, failure.Reason) : Failed(record, failure.Reason);
                continue;
            }

            LogApplied(logger, record.EventName, record.Bucket, record.Key,
                outcomes[i].Fate == EventFate.Indexed ? "indexed" : "deleted: " + outcomes[i].Reason);
        }

        _metrics.Publish(options.IndexName, ConnectorMetrics.EventsApplied(outcomes, bytesDownloaded));
        return outcomes;
    }

    /// <summary>Reads the record's key in S3 and decides its write; <paramref name="tag"/> names the record in the sink's failures.</summary>
    private async Task<PlannedWrite> DecideAsync(S3EventRecord record, int tag, CancellationToken ct)
    {
        if (record.Action == EventAction.Ignore)
        {
            return Ignored(record, $"event type {record.EventName}");
        }

        if (!BucketConfigured(record.Bucket))
        {
            return Ignored(record, "bucket not in the configuration");
        }

        if (record.Key.StartsWith('/'))
        {
            // The AWS SDK drops a leading "/" from keys in requests, so such an object cannot be read by key; full
            // syncs index it from the listing.
            return Ignored(record, ObjectReasons.KeyNotAddressable);
        }

        var id = ObjectKeys.DocumentId(record.Bucket, record.Key);
        var observedAt = time.GetUtcNow();
        S3ObjectInfo? current;
        try
        {
            current = await s3.HeadAsync(record.Bucket, record.Region, record.Key, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            return S3Errors.IsRetryable(e)
                ? new PlannedWrite(Retry(record, S3Errors.Describe(e)), null)
                : Ignored(record, $"cannot read the object: {S3Errors.Describe(e)}");
        }

        if (current is null)
        {
            return Delete(tag, id, observedAt, "object is gone");
        }

        // The same rules as a full sync, decided before any download when the listing fields suffice.
        var decision = rules.Decide(current);
        if (decision.Verdict == RuleVerdict.Exclude)
        {
            return Delete(tag, id, observedAt, $"excluded by rule {decision.RuleId}");
        }

        var hold = await builder.ReserveAsync(current, ct);
        BuiltDocument built;
        try
        {
            built = await builder.BuildAsync(current, record.Region, syncJobId: null, observedAt, ct);
        }
        catch
        {
            hold.Dispose();
            throw;
        }

        // A download is paid for whatever the record's fate: its bytes count even when the document is not written.
        var settled = Settle() with { BytesDownloaded = built.BytesDownloaded };
        if (settled.Write is { Document: not null } write)
        {
            // The document's memory stays taken until the sink has sent it.
            return settled with { Write = write with { Hold = hold } };
        }

        hold.Dispose();
        return settled;

        PlannedWrite Settle()
        {
            switch (built.Fate)
            {
                case ObjectFate.Gone:
                    return Delete(tag, id, observedAt, "object is gone");
                case ObjectFate.Retryable:
                    return new PlannedWrite(Retry(record, built.Reason ?? "reading the object failed"), null);
            }

            if (decision.Verdict == RuleVerdict.NeedsFetch
                && rules.Decide(current, FetchedFields.From(built.Document!)).Verdict != RuleVerdict.Include)
            {
                return Delete(tag, id, observedAt, "excluded by a rule on fetched fields");
            }

            return new PlannedWrite(new EventOutcome(EventFate.Indexed), DocumentWrite.Index(tag, built.Document!));
        }
    }

    private static PlannedWrite Delete(int tag, string id, DateTimeOffset observedAt, string why) =>
        new(new EventOutcome(EventFate.Deleted, why), DocumentWrite.Delete(tag, id, observedAt));

    /// <summary>Events of buckets the connector does not sync are none of its business: no S3 read, no write.</summary>
    private bool BucketConfigured(string bucket) => options.AdvancedSyncRules.Count > 0
        ? options.AdvancedSyncRules.Any(r => r.Bucket == bucket)
        : options.AllBuckets || options.Buckets.Contains(bucket);

    private PlannedWrite Ignored(S3EventRecord record, string reason)
    {
        LogIgnored(logger, record.EventName, record.Bucket, record.Key, reason);
        return new PlannedWrite(new EventOutcome(EventFate.Ignored, reason), null);
    }

    private EventOutcome Retry(S3EventRecord record, string reason)
    {
        LogRetry(logger, record.EventName, record.Bucket, record.Key, reason);
        return new EventOutcome(EventFate.Retry, reason);
    }

    private EventOutcome Failed(S3EventRecord record, string reason)
    {
        LogRefused(logger, record.EventName, record.Bucket, record.Key, reason);
        return new EventOutcome(EventFate.Failed, reason);
    }

    [LoggerMessage(306, LogLevel.Error, "Event {EventName} s3://{Bucket}/{Key} failed for good, not retried: {Reason}")]
    private static partial void LogRefused(ILogger logger, string eventName, string bucket, string key, string reason);

    [LoggerMessage(301, LogLevel.Information, "Event {EventName} s3://{Bucket}/{Key}: {Result}")]
    private static partial void LogApplied(ILogger logger, string eventName, string bucket, string key, string result);

    [LoggerMessage(302, LogLevel.Information, "Event {EventName} s3://{Bucket}/{Key} ignored: {Reason}")]
    private static partial void LogIgnored(ILogger logger, string eventName, string bucket, string key, string reason);

    [LoggerMessage(303, LogLevel.Warning, "Event {EventName} s3://{Bucket}/{Key} will be retried: {Reason}")]
    private static partial void LogRetry(ILogger logger, string eventName, string bucket, string key, string reason);

    [LoggerMessage(304, LogLevel.Error, "Event for s3://{Bucket}/{Key} failed ({ErrorType}): {Reason}")]
    private static partial void LogFailed(ILogger logger, string bucket, string key, string errorType, string reason);

    [LoggerMessage(305, LogLevel.Error, "Writing the documents of an event batch failed ({ErrorType}): {Reason}; its events will be retried")]
    private static partial void LogWritesFailed(ILogger logger, string errorType, string reason);
}
