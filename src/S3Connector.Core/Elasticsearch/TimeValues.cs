using System.Globalization;

namespace S3Connector.Core.Elasticsearch;

/// <summary>Reads the time values Elasticsearch prints for settings ("60s", "20m", "500ms", "-1").</summary>
public static class TimeValues
{
    // Nanoseconds per unit, longest suffix first: "ms", "nanos" and "micros" end like "s".
    private static readonly (string Unit, decimal Nanos)[] Units =
    [
        ("nanos", 1), ("micros", 1e3m), ("ms", 1e6m), ("s", 1e9m), ("m", 60e9m), ("h", 3600e9m), ("d", 86400e9m),
    ];

    /// <summary>False for text that is not a time value; "-1" (Elasticsearch's "disabled") is minus one millisecond.</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        var normalized = text.Trim().ToLowerInvariant();
        if (normalized is "-1" or "0")
        {
            value = TimeSpan.FromMilliseconds(int.Parse(normalized, CultureInfo.InvariantCulture));
            return true;
        }

        foreach (var (unit, nanos) in Units)
        {
            if (normalized.EndsWith(unit, StringComparison.Ordinal)
                && long.TryParse(normalized.AsSpan(0, normalized.Length - unit.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                var ticks = count * nanos / 100;
                value = ticks >= TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)ticks);
                return true;
            }
        }

        value = default;
        return false;
    }
}
