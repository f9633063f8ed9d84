using System.Text.Json.Serialization;
using S3Connector.Core.S3;

namespace S3Connector.Core.Sync;

/// <summary>
/// A stretch of one listing prefix, in S3's key order: the keys after <see cref="After"/> (exclusive; null = from the
/// start of the prefix) up to and including <see cref="Until"/> (null = to the end of the prefix). Ranges are the
/// units of a full sync: whatever changes in the bucket, a range names the same keys, so a redelivered unit repeats
/// exactly its own work and neighbouring units never skip or share a key. Bounds need not be keys that exist.
/// </summary>
public sealed record KeyRange(
    [property: JsonPropertyName("prefix")] string Prefix,
    [property: JsonPropertyName("after")] string? After,
    [property: JsonPropertyName("until")] string? Until)
{
    public static KeyRange Whole(string prefix) => new(prefix, null, null);

    public bool Contains(string key) =>
        key.StartsWith(Prefix, StringComparison.Ordinal)
        && (After is null || KeyOrder.Compare(key, After) > 0)
        && (Until is null || KeyOrder.Compare(key, Until) <= 0);

    /// <summary>True when <paramref name="key"/> lies beyond this range's end (the listing can stop there).</summary>
    public bool IsPastEnd(string key) => Until is not null && KeyOrder.Compare(key, Until) > 0;

    /// <summary>The part of this range up to and including <paramref name="through"/>.</summary>
    public KeyRange Through(string through) => this with { Until = through };

    /// <summary>The part of this range after <paramref name="key"/>.</summary>
    public KeyRange From(string key) => this with { After = key };

    public override string ToString() => $"{Prefix}({After ?? "-"} .. {Until ?? "end"}]";
}
