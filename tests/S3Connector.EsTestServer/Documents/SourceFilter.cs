using System.Text.Json;
using System.Text.Json.Nodes;
using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices;

namespace S3Connector.EsTestServer.Documents;

/// <summary>
/// _source filtering (the _source body option and the _source/_source_includes/_source_excludes parameters)
/// with ES's path semantics: patterns match full dotted paths with '*' wildcards, an included object keeps its
/// whole subtree, excludes win, and objects left empty by filtering disappear.
/// </summary>
internal sealed class SourceFilter(bool fetch, IReadOnlyList<string> includes, IReadOnlyList<string> excludes)
{
    public static readonly SourceFilter All = new(true, [], []);

    public static readonly SourceFilter None = new(false, [], []);

    public bool Fetch { get; } = fetch;

    /// <summary>Reads the URL parameters; null when none is present.</summary>
    public static SourceFilter? FromQuery(EsRequest request)
    {
        if (!request.Has("_source") && !request.Has("_source_includes") && !request.Has("_source_excludes"))
        {
            return null;
        }

        var fetch = true;
        List<string> includes = [];
        if (request.Param("_source") is { } source)
        {
            switch (source)
            {
                case "true" or "":
                    break;
                case "false":
                    fetch = false;
                    break;
                default:
                    includes.AddRange(Split(source));
                    break;
            }
        }

        if (request.Param("_source_includes") is { } inc)
        {
            includes = Split(inc);
        }

        var excludes = request.Param("_source_excludes") is { } exc ? Split(exc) : [];
        return new SourceFilter(fetch || includes.Count > 0 || excludes.Count > 0, includes, excludes);
    }

    /// <summary>The _source option of search and mget bodies: a boolean, a pattern, a list, or includes/excludes.</summary>
    public static SourceFilter Parse(JsonElement value, BodyContext context)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.True:
                return All;
            case JsonValueKind.False:
                return None;
            case JsonValueKind.String:
                return new SourceFilter(true, [value.GetString()!], []);
            case JsonValueKind.Array:
                return new SourceFilter(true, Strings(value, context), []);
            case JsonValueKind.Object:
                List<string> includes = [], excludes = [];
                foreach (var property in value.EnumerateObject())
                {
                    using var scope = context.Enter(property.Name);
                    switch (property.Name)
                    {
                        case "includes" or "include":
                            includes = Strings(property.Value, context);
                            break;
                        case "excludes" or "exclude":
                            excludes = Strings(property.Value, context);
                            break;
                        default:
                            throw context.Parsing($"Unknown key for a {JsonIn.TokenName(property.Value.ValueKind)} in [{property.Name}].");
                    }
                }

                return new SourceFilter(true, includes, excludes);
            default:
                throw context.Parsing($"Expected one of [VALUE_BOOLEAN, START_OBJECT] but found [{JsonIn.TokenName(value.ValueKind)}]");
        }
    }

    /// <summary>Writes the "_source" field for a document, or nothing when the source is not fetched or not stored.</summary>
    public void WriteSource(Utf8JsonWriter w, EsIndex index, byte[] source)
    {
        if (!Fetch || !index.Mapping.SourceEnabled)
        {
            return;
        }

        w.WritePropertyName("_source");
        WriteValue(w, source);
    }

    /// <summary>Writes the filtered source document itself.</summary>
    public void WriteValue(Utf8JsonWriter w, byte[] source)
    {
        if (includes.Count == 0 && excludes.Count == 0)
        {
            w.WriteRawValue(source, skipInputValidation: true);
            return;
        }

        var filtered = JsonNode.Parse(source) is JsonObject root ? FilterObject(root, string.Empty, included: includes.Count == 0) : new JsonObject();
        filtered.WriteTo(w);
    }

    private JsonObject FilterObject(JsonObject obj, string prefix, bool included)
    {
        var result = new JsonObject();
        foreach (var (key, value) in obj)
        {
            if (FilterValue(value, prefix + key, included, out var kept))
            {
                result[key] = kept;
            }
        }

        return result;
    }

    private bool FilterValue(JsonNode? value, string path, bool parentIncluded, out JsonNode? kept)
    {
        kept = null;
        if (excludes.Any(p => IndexNames.Glob(p, path)))
        {
            return false;
        }

        var included = parentIncluded || includes.Any(p => IndexNames.Glob(p, path));
        switch (value)
        {
            case JsonObject child when included || includes.Any(p => CanMatchBelow(p, path + ".")):
                var filtered = FilterObject(child, path + ".", included);
                kept = filtered;
                return filtered.Count > 0 || (included && child.Count == 0);
            case JsonArray array when included || includes.Any(p => CanMatchBelow(p, path + ".")):
                var items = new JsonArray();
                foreach (var item in array)
                {
                    if (item is JsonObject || item is JsonArray || included)
                    {
                        if (FilterValue(item, path, included, out var keptItem) && !(keptItem is JsonObject { Count: 0 } && !included))
                        {
                            items.Add(keptItem);
                        }
                    }
                }

                kept = items;
                return items.Count > 0 || included;
            default:
                kept = value?.DeepClone();
                return included;
        }
    }

    /// <summary>Whether a pattern can match some path starting with <paramref name="prefix"/>.</summary>
    private static bool CanMatchBelow(string pattern, string prefix)
    {
        if (prefix.Length == 0)
        {
            return true;
        }

        if (pattern.Length == 0)
        {
            return false;
        }

        return pattern[0] == '*'
            ? CanMatchBelow(pattern[1..], prefix) || CanMatchBelow(pattern, prefix[1..])
            : pattern[0] == prefix[0] && CanMatchBelow(pattern[1..], prefix[1..]);
    }

    private static List<string> Split(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static List<string> Strings(JsonElement value, BodyContext context) => value.ValueKind switch
    {
        JsonValueKind.String => [value.GetString()!],
        JsonValueKind.Array => value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw context.Parsing($"Unknown key for a {JsonIn.TokenName(v.ValueKind)} in [includes].")).ToList(),
        _ => throw context.Parsing($"Unknown key for a {JsonIn.TokenName(value.ValueKind)} in [includes]."),
    };
}
