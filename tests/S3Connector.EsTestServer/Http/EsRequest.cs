using System.Globalization;
using System.Text.Json;

namespace S3Connector.EsTestServer.Http;

/// <summary>One REST request as the handlers see it: decoded path parts, query parameters and the decompressed body.</summary>
internal sealed class EsRequest(
    string method,
    string path,
    string uri,
    IReadOnlyDictionary<string, string> query,
    byte[] body)
{
    private readonly Dictionary<string, string> _routeValues = new(StringComparer.Ordinal);

    public string Method { get; } = method;

    /// <summary>Path as sent (still URL-encoded), used in ES's error texts.</summary>
    public string Path { get; } = path;

    /// <summary>Path and query string, as ES quotes it in "no handler found" and security errors.</summary>
    public string Uri { get; } = uri;

    public IReadOnlyDictionary<string, string> Query { get; } = query;

    public byte[] Body { get; } = body;

    public bool HasBody => Body.Length > 0;

    public bool IsHead => Method == "HEAD";

    public void SetRouteValue(string name, string value) => _routeValues[name] = value;

    public string Route(string name) => _routeValues[name];

    public bool Has(string name) => Query.ContainsKey(name);

    public string? Param(string name) => Query.GetValueOrDefault(name);

    /// <summary>ES's strict boolean parsing: an empty value (<c>?refresh</c>) means true.</summary>
    public bool Bool(string name, bool fallback)
    {
        if (!Query.TryGetValue(name, out var value))
        {
            return fallback;
        }

        return value switch
        {
            "" or "true" => true,
            "false" => false,
            _ => throw Errors.IllegalArgument($"Failed to parse value [{value}] as only [true] or [false] are allowed."),
        };
    }

    public int Int(string name, int fallback)
    {
        if (!Query.TryGetValue(name, out var value))
        {
            return fallback;
        }

        return int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw Errors.IllegalArgument($"Failed to parse int parameter [{name}] with value [{value}]");
    }

    public long? Long(string name)
    {
        if (!Query.TryGetValue(name, out var value))
        {
            return null;
        }

        return long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw Errors.IllegalArgument($"Failed to parse long parameter [{name}] with value [{value}]");
    }

    public TimeSpan? Time(string name) =>
        Query.TryGetValue(name, out var value) ? TimeValue.Parse(value, name) : null;

    /// <summary>Parses the body as JSON, or returns null for an empty body.</summary>
    public JsonDocument? Json() => HasBody ? JsonIn.Parse(Body) : null;

    public JsonDocument RequiredJson() => Json() ?? throw Errors.RequestBodyRequired();
}

/// <summary>ES time values ("30s", "1m", "-1").</summary>
internal static class TimeValue
{
    public static TimeSpan? Parse(string value, string settingName)
    {
        if (value is "-1")
        {
            return null;
        }

        if (value is "0")
        {
            return TimeSpan.Zero;
        }

        (string Suffix, double Millis)[] units = [("nanos", 1e-6), ("micros", 1e-3), ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)];
        foreach (var (suffix, millis) in units)
        {
            if (value.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(value[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount)
                && amount >= 0)
            {
                return TimeSpan.FromMilliseconds(amount * millis);
            }
        }

        throw Errors.ParseException($"failed to parse setting [{settingName}] with value [{value}] as a time value: unit is missing or unrecognized");
    }
}
