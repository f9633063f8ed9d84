using Microsoft.Extensions.Logging;
using S3Connector.Core.Configuration;
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
}

public sealed record EventOutcome(EventFate Fate, string? Reason = null);

/// <summary>
/// Applies one S3 event by reconciling its key with S3: whatever the event says, the object is read again (HEAD) and
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
    ILogger<EventProcessor> logger)
{
    public async Task<EventOutcome> ApplyAsync(S3EventRecord record, CancellationToken ct)
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
            return Ignored(record, "key_not_addressable");
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
                ? Retry(record, S3Errors.Describe(e))
                : Ignored(record, $"cannot read the object: {S3Errors.Describe(e)}");
        }

        if (current is null)
        {
            return await DeleteAsync(record, id, observedAt, "object is gone", ct);
        }

        // The same rules as a full sync, decided before any download when the listing fields suffice.
        var decision = rules.Decide(current);
        if (decision.Verdict == RuleVerdict.Exclude)
        {
            return await DeleteAsync(record, id, observedAt, $"excluded by rule {decision.RuleId}", ct);
        }

        var built = await builder.BuildAsync(current, record.Region, syncJobId: null, observedAt, ct);
        switch (built.Fate)
        {
            case ObjectFate.Gone:
                return await DeleteAsync(record, id, observedAt, "object is gone", ct);
            case ObjectFate.Retryable:
                return Retry(record, built.Reason ?? "reading the object failed");
        }

        if (decision.Verdict == RuleVerdict.NeedsFetch
            && rules.Decide(current, FetchedFields.From(built.Document!)).Verdict != RuleVerdict.Include)
        {
            return await DeleteAsync(record, id, observedAt, "excluded by a rule on fetched fields", ct);
        }

        var failures = await sink.IndexAsync([built.Document!], ct);
        if (failures.Count > 0)
        {
            return Retry(record, failures[0].Reason);
        }

        LogApplied(logger, record.EventName, record.Bucket, record.Key, "indexed");
        return new EventOutcome(EventFate.Indexed);
    }

    private async Task<EventOutcome> DeleteAsync(S3EventRecord record, string id, DateTimeOffset observedAt, string why, CancellationToken ct)
    {
        var failures = await sink.DeleteAsync([(id, observedAt)], ct);
        if (failures.Count > 0)
        {
            return Retry(record, failures[0].Reason);
        }

        LogApplied(logger, record.EventName, record.Bucket, record.Key, "deleted: " + why);
        return new EventOutcome(EventFate.Deleted, why);
    }

    /// <summary>Events of buckets the connector does not sync are none of its business: no S3 read, no write.</summary>
    private bool BucketConfigured(string bucket) => options.AdvancedSyncRules.Count > 0
        ? options.AdvancedSyncRules.Any(r => r.Bucket == bucket)
        : options.AllBuckets || options.Buckets.Contains(bucket);

    private EventOutcome Ignored(S3EventRecord record, string reason)
    {
        LogIgnored(logger, record.EventName, record.Bucket, record.Key, reason);
        return new EventOutcome(EventFate.Ignored, reason);
    }

    private EventOutcome Retry(S3EventRecord record, string reason)
    {
        LogRetry(logger, record.EventName, record.Bucket, record.Key, reason);
        return new EventOutcome(EventFate.Retry, reason);
    }

    [LoggerMessage(301, LogLevel.Information, "Event {EventName} s3://{Bucket}/{Key}: {Result}")]
    private static partial void LogApplied(ILogger logger, string eventName, string bucket, string key, string result);

    [LoggerMessage(302, LogLevel.Information, "Event {EventName} s3://{Bucket}/{Key} ignored: {Reason}")]
    private static partial void LogIgnored(ILogger logger, string eventName, string bucket, string key, string reason);

    [LoggerMessage(303, LogLevel.Warning, "Event {EventName} s3://{Bucket}/{Key} will be retried: {Reason}")]
    private static partial void LogRetry(ILogger logger, string eventName, string bucket, string key, string reason);
}
