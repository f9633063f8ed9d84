using System.Text.Json.Serialization;

namespace S3Connector.Core.Jobs;

/// <summary>Where a sync job is; the jobs index stores the wire names (<c>running</c>, …), CONTRACT §4.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobStatus>))]
public enum JobStatus
{
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("finalizing")] Finalizing,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>What runs a job's work: SQS consumers (Lambda, <c>sync --queue-url</c>) or the CLI's own process.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobRunner>))]
public enum JobRunner
{
    [JsonStringEnumMemberName("sqs")] Sqs,
    [JsonStringEnumMemberName("in-process")] InProcess,
}

/// <summary>Where one work unit is.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<UnitStatus>))]
public enum UnitStatus
{
    [JsonStringEnumMemberName("pending")] Pending,
    [JsonStringEnumMemberName("done")] Done,
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>The states' wire names (for queries and output) and what they mean.</summary>
public static class JobStates
{
    public static bool IsTerminal(this JobStatus status) => status is JobStatus.Completed or JobStatus.Failed;

    public static string Wire(this JobStatus status) => status switch
    {
        JobStatus.Running => "running",
        JobStatus.Finalizing => "finalizing",
        JobStatus.Completed => "completed",
        JobStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static string Wire(this UnitStatus status) => status switch
    {
        UnitStatus.Pending => "pending",
        UnitStatus.Done => "done",
        UnitStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };
}

/// <summary>A sync job, one document in the jobs index (id = job id).</summary>
public sealed record JobDocument
{
    [JsonPropertyName("type")] public string Type { get; init; } = "job";
    [JsonPropertyName("job_id")] public required string JobId { get; init; }
    [JsonPropertyName("index_name")] public required string IndexName { get; init; }
    [JsonPropertyName("status")] public required JobStatus Status { get; init; }
    [JsonPropertyName("buckets")] public IReadOnlyList<string> Buckets { get; init; } = [];

    /// <summary>What the sync lists: when it completes, documents outside every scope (a bucket or prefix dropped from
    /// the configuration) are deleted; inside them, each range reconciles its own stretch.</summary>
    [JsonPropertyName("scopes")] public IReadOnlyList<Sync.ListingScope> Scopes { get; init; } = [];

    /// <summary>Who carries the job's messages: <c>sqs</c>, or <c>in-process</c> (lost with the process that ran it).</summary>
    [JsonPropertyName("runner")] public JobRunner Runner { get; init; } = JobRunner.Sqs;
    [JsonPropertyName("started_at")] public required DateTimeOffset StartedAt { get; init; }
    [JsonPropertyName("updated_at")] public required DateTimeOffset UpdatedAt { get; init; }
    [JsonPropertyName("finished_at")] public DateTimeOffset? FinishedAt { get; init; }
    [JsonPropertyName("error")] public string? Error { get; init; }
    [JsonPropertyName("counters")] public JobCounters? Counters { get; init; }
}

/// <summary>
/// The one-active-sync lock of an index, created only if absent (id <see cref="IdOf"/>): the job that holds it is the
/// index's sync. It is never released: a holder that finished, or never came to exist, frees it for the next start,
/// which takes it over by compare-and-set, so two starts at the same moment cannot both win.
/// </summary>
public sealed record SyncLock
{
    /// <summary>How long a lock whose job does not exist yet counts as a start in progress: its starter creates the job
    /// right after taking the lock, so only a starter that died in between leaves one older than this.</summary>
    public static readonly TimeSpan StartGrace = TimeSpan.FromMinutes(5);

    [JsonPropertyName("type")] public string Type { get; init; } = "lock";
    [JsonPropertyName("index_name")] public required string IndexName { get; init; }
    [JsonPropertyName("job_id")] public required string JobId { get; init; }
    [JsonPropertyName("updated_at")] public required DateTimeOffset UpdatedAt { get; init; }

    public static string IdOf(string indexName) => "sync-lock:" + indexName;
}

/// <summary>The work of one key range (or the fan-out): pending until a worker records its outcome.</summary>
public sealed record UnitDocument
{
    [JsonPropertyName("type")] public string Type { get; init; } = "unit";
    [JsonPropertyName("job_id")] public required string JobId { get; init; }
    [JsonPropertyName("unit_id")] public required string UnitId { get; init; }
    [JsonPropertyName("status")] public required UnitStatus Status { get; init; }
    [JsonPropertyName("bucket")] public string? Bucket { get; init; }
    [JsonPropertyName("prefix")] public string? Prefix { get; init; }
    [JsonPropertyName("range")] public Sync.KeyRange? Range { get; init; }

    /// <summary>
    /// Recorded by the first delivery that divided the range, before its successors were sent: the part this unit
    /// keeps, and the successors' messages. A redelivery works exactly that part and sends the same successors again,
    /// whatever the listing shows by then, so no key falls between two units.
    /// </summary>
    [JsonPropertyName("own")] public Sync.KeyRange? Own { get; init; }
    [JsonPropertyName("successors")] public IReadOnlyList<Sync.WorkMessage>? Successors { get; init; }
    [JsonPropertyName("updated_at")] public required DateTimeOffset UpdatedAt { get; init; }
    [JsonPropertyName("error")] public string? Error { get; init; }
    [JsonPropertyName("counters")] public JobCounters? Counters { get; init; }
}

/// <summary>Every object's fate, counted. Sums of unit counters make the job's.</summary>
public sealed record JobCounters
{
    [JsonPropertyName("listed")] public long Listed { get; init; }
    [JsonPropertyName("indexed")] public long Indexed { get; init; }
    [JsonPropertyName("indexed_with_content")] public long IndexedWithContent { get; init; }

    /// <summary>Listed objects whose document already matched them: no download and no write.</summary>
    [JsonPropertyName("unchanged")] public long Unchanged { get; init; }
    [JsonPropertyName("failed")] public long Failed { get; init; }
    [JsonPropertyName("deleted")] public long Deleted { get; init; }
    [JsonPropertyName("bytes_downloaded")] public long BytesDownloaded { get; init; }

    /// <summary>Listing pages that failed for good: their objects are unknown, so the sync must not delete.</summary>
    [JsonPropertyName("failed_pages")] public long FailedPages { get; init; }

    /// <summary>Objects not indexed, by reason (excluded by a rule, deleted before it could be read).</summary>
    [JsonPropertyName("skipped")] public Dictionary<string, long> Skipped { get; init; } = [];

    /// <summary>Indexed objects whose content was not extracted, by reason (folder, too large, archived, ...).</summary>
    [JsonPropertyName("metadata_only")] public Dictionary<string, long> MetadataOnly { get; init; } = [];

    public static JobCounters Sum(JobCounters a, JobCounters b) => new()
    {
        Listed = a.Listed + b.Listed,
        Indexed = a.Indexed + b.Indexed,
        IndexedWithContent = a.IndexedWithContent + b.IndexedWithContent,
        Unchanged = a.Unchanged + b.Unchanged,
        Failed = a.Failed + b.Failed,
        Deleted = a.Deleted + b.Deleted,
        BytesDownloaded = a.BytesDownloaded + b.BytesDownloaded,
        FailedPages = a.FailedPages + b.FailedPages,
        Skipped = Merge(a.Skipped, b.Skipped),
        MetadataOnly = Merge(a.MetadataOnly, b.MetadataOnly),
    };

    private static Dictionary<string, long> Merge(Dictionary<string, long> a, Dictionary<string, long> b)
    {
        var result = new Dictionary<string, long>(a, StringComparer.Ordinal);
        foreach (var (key, value) in b)
        {
            result[key] = result.GetValueOrDefault(key) + value;
        }

        return result;
    }
}
