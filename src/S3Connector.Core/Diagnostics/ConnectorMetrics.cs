using S3Connector.Core.Events;
using S3Connector.Core.Jobs;
using S3Connector.Core.Sync;

namespace S3Connector.Core.Diagnostics;

/// <summary>The units the connector's metrics use; each is a CloudWatch unit of the same name.</summary>
public enum MetricUnit
{
    Count,
    Seconds,
    Bytes,
}

public readonly record struct MetricValue(string Name, MetricUnit Unit, double Value);

/// <summary>
/// Where the orchestrators report what a finished step measured: the end of a sync, a key range, a batch of S3 events.
/// The host decides what becomes of it (CloudWatch embedded metrics in Lambda; nothing in the CLI, which prints its own
/// summary). Values are counts, sizes and durations under the index's name, never keys, buckets or errors: keys are
/// the user's data, and a key or an error in a metric would be published to everyone who can read the account's metrics.
/// </summary>
public interface IConnectorMetrics
{
    void Publish(string indexName, IReadOnlyList<MetricValue> values);
}

public sealed class NoConnectorMetrics : IConnectorMetrics
{
    public static readonly NoConnectorMetrics Instance = new();

    public void Publish(string indexName, IReadOnlyList<MetricValue> values)
    {
    }
}

/// <summary>
/// The metrics' names and what each report holds. The template's alarms name some of them, so these constants are
/// their one home (a template test checks every metric an alarm names is one of them).
/// </summary>
public static class ConnectorMetrics
{
    // The end of a sync job, reported once by whoever finished it (the compare-and-set on the job picks one).
    public const string SyncCompleted = "SyncCompleted";
    public const string SyncFailed = "SyncFailed";
    public const string SyncDuration = "SyncDuration";

    // One key range (work unit), when it is recorded done, returned for a retry, or failed for good.
    public const string RangesCompleted = "RangesCompleted";
    public const string RangesRetried = "RangesRetried";
    public const string RangesFailed = "RangesFailed";
    public const string ListRequests = "ListRequests";
    public const string ObjectsListed = "ObjectsListed";
    public const string ObjectsIndexed = "ObjectsIndexed";
    public const string ObjectsMetadataOnly = "ObjectsMetadataOnly";
    public const string ObjectsUnchanged = "ObjectsUnchanged";
    public const string ObjectsSkipped = "ObjectsSkipped";
    public const string ObjectsDeleted = "ObjectsDeleted";
    public const string ObjectsFailed = "ObjectsFailed";
    public const string BytesDownloaded = "BytesDownloaded";

    // One batch of S3 events (an invocation of the events function).
    public const string EventsIndexed = "EventsIndexed";
    public const string EventsDeleted = "EventsDeleted";
    public const string EventsIgnored = "EventsIgnored";
    public const string EventsRetried = "EventsRetried";
    public const string EventsFailed = "EventsFailed";
    public const string EventBytesDownloaded = "EventBytesDownloaded";

    /// <summary>Both outcomes are reported, one as 0, so each metric has data from the first sync on.</summary>
    public static IReadOnlyList<MetricValue> SyncEnded(SyncSummary summary) =>
    [
        Count(SyncCompleted, summary.Status == JobStatus.Completed ? 1 : 0),
        Count(SyncFailed, summary.Status == JobStatus.Failed ? 1 : 0),
        new(SyncDuration, MetricUnit.Seconds, summary.DurationSeconds),
    ];

    public static IReadOnlyList<MetricValue> RangeDone(JobCounters counters, int listRequests) =>
    [
        Count(RangesCompleted, 1),
        Count(ListRequests, listRequests),
        Count(ObjectsListed, counters.Listed),
        Count(ObjectsIndexed, counters.Indexed),
        Count(ObjectsMetadataOnly, counters.MetadataOnly.Values.Sum()),
        Count(ObjectsUnchanged, counters.Unchanged),
        Count(ObjectsSkipped, counters.Skipped.Values.Sum()),
        Count(ObjectsDeleted, counters.Deleted),
        Count(ObjectsFailed, counters.Failed),
        new(BytesDownloaded, MetricUnit.Bytes, counters.BytesDownloaded),
    ];

    public static IReadOnlyList<MetricValue> RangeRetried() => [Count(RangesRetried, 1)];

    public static IReadOnlyList<MetricValue> RangeFailed() => [Count(RangesFailed, 1)];

    public static IReadOnlyList<MetricValue> EventsApplied(IReadOnlyList<EventOutcome> outcomes, long bytesDownloaded) =>
    [
        Count(EventsIndexed, outcomes.Count(o => o.Fate == EventFate.Indexed)),
        Count(EventsDeleted, outcomes.Count(o => o.Fate == EventFate.Deleted)),
        Count(EventsIgnored, outcomes.Count(o => o.Fate == EventFate.Ignored)),
        Count(EventsRetried, outcomes.Count(o => o.Fate == EventFate.Retry)),
        Count(EventsFailed, outcomes.Count(o => o.Fate == EventFate.Failed)),
        new(EventBytesDownloaded, MetricUnit.Bytes, bytesDownloaded),
    ];

    private static MetricValue Count(string name, long value) => new(name, MetricUnit.Count, value);
}
