using System.Text.Json.Serialization;

namespace S3Connector.Core.Sync;

/// <summary>
/// One page of one listing chain, the only message on the work queue. Small (a few hundred bytes) and versioned:
/// a worker refuses a version it does not know instead of guessing.
/// </summary>
public sealed record WorkMessage
{
    public const int CurrentVersion = 1;

    [JsonPropertyName("v")] public int Version { get; init; } = CurrentVersion;
    [JsonPropertyName("job_id")] public required string JobId { get; init; }
    [JsonPropertyName("bucket")] public required string Bucket { get; init; }
    [JsonPropertyName("region")] public string? Region { get; init; }

    /// <summary>Listing prefix, sent to S3.</summary>
    [JsonPropertyName("prefix")] public string Prefix { get; init; } = "";

    /// <summary>List only the keys directly under <see cref="Prefix"/> (Delimiter '/'); the deeper ones have chains of their own.</summary>
    [JsonPropertyName("shallow")] public bool Shallow { get; init; }

    /// <summary>Index of the advanced rule that asked for this listing, for diagnostics: the worker applies all of the
    /// bucket's rules, since one listing may serve several overlapping rules.</summary>
    [JsonPropertyName("rule")] public int? RuleIndex { get; init; }

    [JsonPropertyName("page")] public int Page { get; init; }
    [JsonPropertyName("token")] public string? ContinuationToken { get; init; }

    /// <summary>Stable across redeliveries, so page work is recorded once however often the message arrives.</summary>
    [JsonIgnore]
    public string UnitId => UnitIds.Page(JobId, Bucket, Prefix, Shallow, Page);

    public WorkMessage Next(string continuationToken) => this with { Page = Page + 1, ContinuationToken = continuationToken };
}

public static class UnitIds
{
    public static string Page(string jobId, string bucket, string prefix, bool shallow, int page)
    {
        var chain = Documents.ObjectKeys.DocumentId(bucket, (shallow ? "s:" : "r:") + prefix);
        return $"{jobId}:{chain}:{page}";
    }

    public static string Fanout(string jobId) => $"{jobId}:fanout";
}
