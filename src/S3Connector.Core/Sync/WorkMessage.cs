using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace S3Connector.Core.Sync;

/// <summary>
/// One key range of one bucket to list and reconcile, the only message on the work queue. Small (the bounds are at
/// most two keys, and a carried reading at most <see cref="RangeReading.MaxBytes"/>) and versioned: a worker refuses a
/// version it does not know instead of guessing.
/// </summary>
public sealed record WorkMessage
{
    /// <summary>2: key ranges. 1 (a page number and continuation token) is refused.</summary>
    public const int CurrentVersion = 2;

    [JsonPropertyName("v")] public int Version { get; init; } = CurrentVersion;
    [JsonPropertyName("job_id")] public required string JobId { get; init; }
    [JsonPropertyName("bucket")] public required string Bucket { get; init; }
    [JsonPropertyName("region")] public string? Region { get; init; }
    /// <summary>Not required by the parser, so a message of another version is still read and can fail its job.</summary>
    [JsonPropertyName("range")] public KeyRange Range { get; init; } = KeyRange.Whole("");

    /// <summary>How many keys an earlier listing saw in the range: sizes the first LIST, never changes what is covered.</summary>
    [JsonPropertyName("expected_keys")] public int? ExpectedKeys { get; init; }

    /// <summary>The range as the unit that divided it already listed it and read the index: worked without listing.
    /// Never part of the unit's identity (a reading of the same range is the same work).</summary>
    [JsonPropertyName("reading")] public RangeReading? Reading { get; init; }

    /// <summary>Stable across redeliveries and derived only from what the unit covers, so page work is recorded once
    /// however often, and by whichever path, the range arrives.</summary>
    [JsonIgnore]
    public string UnitId => UnitIds.Range(JobId, Bucket, Range);
}

public static class UnitIds
{
    public static string Range(string jobId, string bucket, KeyRange range)
    {
        // NUL cannot appear in a bucket name and separates the parts; a null bound differs from an empty one.
        var identity = string.Join('\0', bucket, range.Prefix, range.After is null ? "\u0001" : "=" + range.After,
            range.Until is null ? "\u0001" : "=" + range.Until);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(identity));
        return $"{jobId}:{Convert.ToHexStringLower(hash.AsSpan(0, 16))}";
    }

    public static string Fanout(string jobId) => $"{jobId}:fanout";
}
