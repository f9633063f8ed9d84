using System.Text.Json.Serialization;
using S3Connector.Core.Jobs;

namespace S3Connector.Core.Sync;

/// <summary>What a finished (or abandoned) sync reports to the user.</summary>
public sealed record SyncSummary
{
    [JsonPropertyName("job_id")] public required string JobId { get; init; }
    [JsonPropertyName("status")] public required JobStatus Status { get; init; }
    [JsonPropertyName("error")] public string? Error { get; init; }
    [JsonPropertyName("counters")] public required JobCounters Counters { get; init; }
    [JsonPropertyName("duration_seconds")] public double DurationSeconds { get; init; }

    [JsonPropertyName("objects_per_second")]
    public double ObjectsPerSecond => DurationSeconds > 0 ? Math.Round(Counters.Listed / DurationSeconds, 1) : 0;
}
