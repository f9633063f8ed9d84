namespace S3Connector.Core.Sync;

/// <summary>
/// How a unit divides its range once its first listing is in: the part it keeps and works itself, and the successor
/// ranges it hands out (each a unit of its own). <see cref="Own"/> and the successors partition the unit's range.
/// </summary>
/// <param name="ExpectedKeys">Per successor, how many keys the listing saw in it (null where it saw none of it): a
/// listing hint only, never part of the unit's identity.</param>
public sealed record RangePlan(KeyRange Own, IReadOnlyList<KeyRange> Successors, IReadOnlyList<int?> ExpectedKeys)
{
    public static RangePlan Keep(KeyRange range) => new(range, [], []);
}
