using System.Text.Json.Nodes;
using S3Connector.EsTestServer.Indices;

namespace S3Connector.EsTestServer.Http;

/// <summary>
/// The filter_path parameter: comma-separated dotted paths with '*' (one name, globbed) and '**' (any depth);
/// a leading '-' excludes. Arrays are transparent, and objects left empty are dropped, as in ES.
/// </summary>
internal static class FilterPath
{
    public static JsonNode Apply(JsonNode root, string expression)
    {
        var parts = expression.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var includes = parts.Where(p => !p.StartsWith('-')).Select(p => p.Split('.')).ToList();
        var excludes = parts.Where(p => p.StartsWith('-')).Select(p => p[1..].Split('.')).ToList();
        var result = includes.Count > 0 ? Include(root, includes) ?? new JsonObject() : root;
        return excludes.Count > 0 ? Exclude(result, excludes) ?? new JsonObject() : result;
    }

    private static JsonNode? Include(JsonNode? node, List<string[]> filters)
    {
        if (filters.Any(f => f.Length == 0))
        {
            return node?.DeepClone();
        }

        switch (node)
        {
            case JsonObject obj:
                var result = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    var next = Advance(filters, key);
                    if (next.Count > 0 && Include(value, next) is { } kept)
                    {
                        result[key] = kept;
                    }
                }

                return result.Count > 0 ? result : null;
            case JsonArray array:
                var items = array.Select(item => Include(item, filters)).Where(item => item is not null).ToArray();
                return items.Length > 0 ? new JsonArray(items) : null;
            default:
                return null;
        }
    }

    private static JsonNode? Exclude(JsonNode? node, List<string[]> filters)
    {
        if (filters.Any(f => f.Length == 0))
        {
            return null;
        }

        switch (node)
        {
            case JsonObject obj:
                var result = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    var next = Advance(filters, key);
                    var kept = next.Count > 0 ? Exclude(value, next) : value?.DeepClone();
                    if (kept is not null || (next.Count == 0 && value is null))
                    {
                        result[key] = kept;
                    }
                }

                return result;
            case JsonArray array:
                return new JsonArray(array.Select(item => Exclude(item, filters)).Where(item => item is not null).ToArray());
            default:
                return node?.DeepClone();
        }
    }

    /// <summary>The filters left after descending into <paramref name="key"/>.</summary>
    private static List<string[]> Advance(List<string[]> filters, string key)
    {
        var next = new List<string[]>();
        foreach (var filter in filters)
        {
            if (filter[0] == "**")
            {
                // "**" may match deeper levels, this key alone, or nothing (then the rest applies to this key).
                next.Add(filter);
                if (filter.Length == 1)
                {
                    next.Add([]);
                }
                else
                {
                    next.AddRange(Advance([filter[1..]], key));
                }
            }
            else if (IndexNames.Glob(filter[0], key))
            {
                next.Add(filter[1..]);
            }
        }

        return next;
    }
}
