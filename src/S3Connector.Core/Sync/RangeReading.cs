using System.Text.Json;
using System.Text.Json.Serialization;
using S3Connector.Core.Documents;
using S3Connector.Core.Json;
using S3Connector.Core.S3;

namespace S3Connector.Core.Sync;

/// <summary>
/// What one listing and one index read saw of a successor's whole range, handed to it in its message by the unit that
/// listed it: the successor neither lists nor searches again, and a redelivery works exactly this reading. A reading
/// is as complete as a listing of the range at <see cref="ObservedAt"/>; what changes afterwards is the events' work,
/// as it is for a range listed by its own worker.
/// </summary>
public sealed record RangeReading
{
    /// <summary>
    /// Largest serialized reading a message carries: with the rest of the message well inside SQS's 256 KiB, and two
    /// to a batch. A larger one is not carried; its successor lists its range itself.
    /// </summary>
    public const int MaxBytes = 96 * 1024;

    [JsonPropertyName("observed_at")] public required DateTimeOffset ObservedAt { get; init; }

    /// <summary>Every listed object of the range, in key order.</summary>
    [JsonPropertyName("objects")] public required IReadOnlyList<ReadObject> Objects { get; init; }

    /// <summary>Keys the index held in the range with no listed object: their documents go.</summary>
    [JsonPropertyName("unlisted")] public IReadOnlyList<string> Unlisted { get; init; } = [];

    /// <summary>The reading of <paramref name="range"/>, or null when it would not fit in a message.</summary>
    public static RangeReading? Of(
        KeyRange range, IEnumerable<S3ObjectInfo> listed, IReadOnlyDictionary<string, string?> fingerprints,
        IEnumerable<string> unlisted, DateTimeOffset observedAt)
    {
        var reading = new RangeReading
        {
            ObservedAt = observedAt,
            Objects = [.. listed.Where(o => range.Contains(o.Key)).Select(o => ReadObject.From(o, fingerprints))],
            Unlisted = [.. unlisted.Where(range.Contains)],
        };
        return JsonSerializer.SerializeToUtf8Bytes(reading, ConnectorJson.Default.RangeReading).Length <= MaxBytes ? reading : null;
    }

    public List<S3ObjectInfo> ObjectsOf(string bucket) => [.. Objects.Select(o => o.ToObject(bucket))];

    /// <summary>The index's fingerprints of the listed objects that were indexed (a null value: indexed without one).</summary>
    public Dictionary<string, string?> Fingerprints() =>
        Objects.Where(o => o.Indexed).ToDictionary(o => o.Key, o => o.Fingerprint, StringComparer.Ordinal);
}

/// <summary>One listed object and what the index held for it when the range was read. One-letter names and no
/// false flags: a reading holds up to a thousand of these, and its size decides whether it fits in a message.</summary>
public sealed record ReadObject
{
    [JsonPropertyName("k")] public required string Key { get; init; }
    [JsonPropertyName("s")] public long Size { get; init; }
    [JsonPropertyName("m")] public DateTimeOffset LastModified { get; init; }
    [JsonPropertyName("e")] public string ETag { get; init; } = "";
    [JsonPropertyName("c")] public string StorageClass { get; init; } = "";
    [JsonPropertyName("o")] public string Owner { get; init; } = "";
    [JsonPropertyName("r"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool Restored { get; init; }

    /// <summary>True when the index held a document for the key.</summary>
    [JsonPropertyName("i"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool Indexed { get; init; }
    [JsonPropertyName("f")] public string? Fingerprint { get; init; }

    public static ReadObject From(S3ObjectInfo obj, IReadOnlyDictionary<string, string?> fingerprints) => new()
    {
        Key = obj.Key,
        Size = obj.Size,
        LastModified = obj.LastModified,
        ETag = obj.ETag,
        StorageClass = obj.StorageClass,
        Owner = obj.Owner,
        Restored = obj.Restored,
        Indexed = fingerprints.TryGetValue(obj.Key, out var fingerprint),
        Fingerprint = fingerprint,
    };

    public S3ObjectInfo ToObject(string bucket) => new(bucket, Key, Size, LastModified, ETag, StorageClass, Owner, Restored);
}
