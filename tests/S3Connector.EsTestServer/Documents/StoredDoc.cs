namespace S3Connector.EsTestServer.Documents;

/// <summary>
/// A document version as stored: the original source bytes plus its values as indexed at write time.
/// Immutable, so refreshed search snapshots can share it with the live store.
/// </summary>
internal sealed class StoredDoc
{
    public const long PrimaryTerm = 1;

    public required string Id { get; init; }

    public required byte[] Source { get; init; }

    public required long Version { get; init; }

    public required long SeqNo { get; init; }

    public string? Routing { get; init; }

    /// <summary>Indexed values by field path ("title", "title.keyword", "labels.env").</summary>
    public required IReadOnlyDictionary<string, FieldValues> Fields { get; init; }

    /// <summary>Fields whose values were not indexed (ignore_above, ignore_malformed), reported as <c>_ignored</c>.</summary>
    public required IReadOnlyList<string> Ignored { get; init; }
}

/// <summary>
/// A delete marker: ES keeps the version of deleted documents so later writes continue from it, for
/// index.gc_deletes after the delete. <paramref name="DeletedAt"/> is a <see cref="System.Diagnostics.Stopwatch"/>
/// timestamp, monotonic like the relative clock ES measures that age with.
/// </summary>
internal sealed record Tombstone(long Version, long SeqNo, long DeletedAt)
{
    /// <summary>ES's check is "age > gc_deletes"; -1 (null) makes every tombstone expired.</summary>
    public bool IsExpired(TimeSpan? gcDeletes) =>
        gcDeletes is not { } kept || System.Diagnostics.Stopwatch.GetElapsedTime(DeletedAt) > kept;
}

/// <summary>
/// The values one document indexed for one field. Which array is used depends on the field kind: strings for
/// keyword, text tokens, flattened leaves and binary; longs for integer types, dates (epoch millis) and booleans
/// (0/1); doubles for floating-point types, already rounded to the field's precision.
/// </summary>
internal sealed class FieldValues
{
    public string[] Strings { get; init; } = [];

    public long[] Longs { get; init; } = [];

    public double[] Doubles { get; init; } = [];

    public bool IsEmpty => Strings.Length == 0 && Longs.Length == 0 && Doubles.Length == 0;
}
