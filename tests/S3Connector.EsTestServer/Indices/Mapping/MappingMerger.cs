using System.Collections.Immutable;
using S3Connector.EsTestServer.Http;

namespace S3Connector.EsTestServer.Indices.Mapping;

/// <summary>Merges a mapping update into an existing mapping with ES's conflict rules.</summary>
internal static class MappingMerger
{
    // Parameters ES lets a put-mapping change on an existing field; any other change is a conflict.
    private static readonly HashSet<string> Updateable = new(StringComparer.Ordinal)
    {
        "ignore_above", "meta", "search_analyzer", "search_quote_analyzer", "eager_global_ordinals", "fielddata",
        "ignore_malformed", "boost",
    };

    public static RootMapping MergeRoot(RootMapping existing, RootMapping update)
    {
        var parameters = existing.RootParameters
            .Where(p => update.Parameter(p.Key) is null)
            .Concat(update.RootParameters)
            .ToList();
        var root = MergeObject(existing.Root, update.Root, string.Empty);
        return new RootMapping(root, parameters);
    }

    public static Mapper Merge(Mapper existing, Mapper update, string path) => (existing, update) switch
    {
        (ObjectMapper a, ObjectMapper b) => MergeObject(a, b, path),
        (FieldMapper a, FieldMapper b) => MergeField(a, b, path),
        (ObjectMapper, FieldMapper) => throw Errors.IllegalArgument($"can't merge a non object mapping [{path}] with an object mapping"),
        _ => throw Errors.IllegalArgument($"can't merge a non object mapping [{path}] with an object mapping"),
    };

    private static ObjectMapper MergeObject(ObjectMapper a, ObjectMapper b, string path)
    {
        if (a.Enabled != b.Enabled)
        {
            throw Errors.IllegalArgument($"the [enabled] parameter can't be updated for the object mapping [{path}]");
        }

        var properties = a.Properties;
        foreach (var (name, mapper) in b.Properties)
        {
            var childPath = path.Length == 0 ? name : $"{path}.{name}";
            properties = properties.TryGetValue(name, out var current)
                ? properties.SetItem(name, Merge(current, mapper, childPath))
                : properties.Add(name, mapper);
        }

        return new ObjectMapper(a.Name, properties, b.Dynamic ?? a.Dynamic, a.Enabled);
    }

    private static FieldMapper MergeField(FieldMapper a, FieldMapper b, string path)
    {
        if (a.Type != b.Type)
        {
            throw Errors.IllegalArgument($"mapper [{path}] cannot be changed from type [{a.Type}] to [{b.Type}]");
        }

        var before = a.Parameters.ToDictionary(p => p.Key, p => p.Value.GetRawText(), StringComparer.Ordinal);
        var after = b.Parameters.ToDictionary(p => p.Key, p => p.Value.GetRawText(), StringComparer.Ordinal);
        var conflicts = before.Keys.Union(after.Keys)
            .Where(k => !Updateable.Contains(k) && before.GetValueOrDefault(k) != after.GetValueOrDefault(k))
            .Select(k => $"\n\tCannot update parameter [{k}] from [{before.GetValueOrDefault(k) ?? "null"}] to [{after.GetValueOrDefault(k) ?? "null"}]")
            .ToList();
        if (conflicts.Count > 0)
        {
            throw Errors.IllegalArgument($"Mapper for [{path}] conflicts with existing mapper:{string.Concat(conflicts)}");
        }

        var multiFields = a.MultiFields;
        foreach (var (name, sub) in b.MultiFields)
        {
            multiFields = multiFields.TryGetValue(name, out var current)
                ? multiFields.SetItem(name, MergeField(current, sub, $"{path}.{name}"))
                : multiFields.Add(name, sub);
        }

        return b.WithMultiFields(multiFields);
    }

    /// <summary>Adds a mapper at a dotted path, rebuilding the objects above it (dynamic mapping updates).</summary>
    public static ObjectMapper Insert(ObjectMapper parent, ReadOnlySpan<string> path, Mapper mapper)
    {
        if (path.Length == 1)
        {
            return parent.WithProperty(mapper);
        }

        var child = parent.Properties.TryGetValue(path[0], out var existing) && existing is ObjectMapper obj
            ? obj
            : new ObjectMapper(path[0], ImmutableSortedDictionary.Create<string, Mapper>(StringComparer.Ordinal), null, true);
        return parent.WithProperty(Insert(child, path[1..], mapper));
    }
}
