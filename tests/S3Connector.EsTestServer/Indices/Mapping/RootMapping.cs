using System.Text.Json;

namespace S3Connector.EsTestServer.Indices.Mapping;

/// <summary>A field path resolved against a mapping: the indexed path and the mapper that indexed it.</summary>
/// <param name="Path">Key of the values in a document's indexed fields ("title.keyword", "labels.env").</param>
internal sealed record ResolvedField(string Path, FieldMapper Mapper)
{
    /// <summary>Flattened sub-keys behave as keyword fields.</summary>
    public FieldKind Kind => Mapper.Kind == FieldKind.Flattened ? FieldKind.Keyword : Mapper.Kind;

    public string TypeName => Mapper.Type;
}

/// <summary>An index's mapping: the root object plus the root-only parameters (_source, _routing, detection flags).</summary>
internal sealed class RootMapping(ObjectMapper root, IReadOnlyList<KeyValuePair<string, JsonElement>> rootParameters)
{
    public static readonly RootMapping Empty = new(new ObjectMapper(string.Empty, ObjectMapper.NoProperties, null, true), []);

    // ES prints metadata mappers first, then the root object settings.
    private static readonly string[] ParameterOrder = ["_meta", "_routing", "_source", "date_detection", "dynamic_date_formats", "numeric_detection"];

    public ObjectMapper Root { get; } = root;

    public IReadOnlyList<KeyValuePair<string, JsonElement>> RootParameters { get; } = rootParameters;

    public DynamicMode Dynamic => Root.Dynamic ?? DynamicMode.True;

    public bool DateDetection => Flag("date_detection", fallback: true);

    public bool NumericDetection => Flag("numeric_detection", fallback: false);

    public bool SourceEnabled =>
        Parameter("_source") is not { ValueKind: JsonValueKind.Object } source
        || !source.TryGetProperty("enabled", out var enabled) || enabled.ValueKind != JsonValueKind.False;

    public bool RoutingRequired =>
        Parameter("_routing") is { ValueKind: JsonValueKind.Object } routing
        && routing.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.True;

    public RootMapping WithRoot(ObjectMapper newRoot) => new(newRoot, RootParameters);

    public JsonElement? Parameter(string name) =>
        RootParameters.Where(p => p.Key == name).Select(p => (JsonElement?)p.Value).FirstOrDefault();

    public ResolvedField? Resolve(string path)
    {
        var parts = path.Split('.');
        Mapper node = Root;
        for (var i = 0; i < parts.Length; i++)
        {
            switch (node)
            {
                case ObjectMapper obj when obj.Properties.TryGetValue(parts[i], out var next):
                    node = next;
                    break;
                case FieldMapper { Kind: FieldKind.Flattened } flattened:
                    return new ResolvedField(path, flattened);
                case FieldMapper field when i == parts.Length - 1 && field.MultiFields.TryGetValue(parts[i], out var sub):
                    return new ResolvedField(path, sub);
                default:
                    return null;
            }
        }

        return node is FieldMapper leaf ? new ResolvedField(path, leaf) : null;
    }

    public ObjectMapper? ResolveObject(string path)
    {
        Mapper? node = Root;
        foreach (var part in path.Split('.'))
        {
            node = node is ObjectMapper obj && obj.Properties.TryGetValue(part, out var next) ? next : null;
        }

        return node as ObjectMapper;
    }

    /// <summary>What index.mapping.total_fields.limit counts: every object and field mapper, multi-fields included.</summary>
    public int TotalFieldCount => Count(Root);

    public void WriteTo(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        if (Root.Dynamic is { } dynamic)
        {
            WriteDynamic(w, dynamic);
        }

        foreach (var name in ParameterOrder)
        {
            if (Parameter(name) is { } value)
            {
                w.WritePropertyName(name);
                value.WriteTo(w);
            }
        }

        if (!Root.Properties.IsEmpty)
        {
            WriteProperties(w, Root);
        }

        w.WriteEndObject();
    }

    private static void WriteProperties(Utf8JsonWriter w, ObjectMapper obj)
    {
        w.WriteStartObject("properties");
        foreach (var (name, mapper) in obj.Properties)
        {
            w.WritePropertyName(name);
            WriteMapper(w, mapper);
        }

        w.WriteEndObject();
    }

    private static void WriteMapper(Utf8JsonWriter w, Mapper mapper)
    {
        w.WriteStartObject();
        switch (mapper)
        {
            case ObjectMapper obj:
                if (!obj.Enabled)
                {
                    w.WriteString("type", "object");
                    w.WriteBoolean("enabled", false);
                }

                if (obj.Dynamic is { } dynamic)
                {
                    WriteDynamic(w, dynamic);
                }

                if (!obj.Properties.IsEmpty)
                {
                    WriteProperties(w, obj);
                }

                break;
            case FieldMapper field:
                w.WriteString("type", field.Type);
                foreach (var (name, value) in field.Parameters)
                {
                    w.WritePropertyName(name);
                    value.WriteTo(w);
                }

                if (!field.MultiFields.IsEmpty)
                {
                    w.WriteStartObject("fields");
                    foreach (var (name, sub) in field.MultiFields)
                    {
                        w.WritePropertyName(name);
                        WriteMapper(w, sub);
                    }

                    w.WriteEndObject();
                }

                break;
        }

        w.WriteEndObject();
    }

    private static void WriteDynamic(Utf8JsonWriter w, DynamicMode dynamic)
    {
        if (dynamic == DynamicMode.Strict)
        {
            w.WriteString("dynamic", "strict");
        }
        else
        {
            w.WriteString("dynamic", dynamic == DynamicMode.True ? "true" : "false");
        }
    }

    private static int Count(ObjectMapper obj) => obj.Properties.Values.Sum(m => m switch
    {
        ObjectMapper child => 1 + Count(child),
        FieldMapper field => 1 + field.MultiFields.Count,
        _ => 0,
    });

    private bool Flag(string name, bool fallback) => Parameter(name) switch
    {
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        { ValueKind: JsonValueKind.String } s => s.GetString() == "true",
        _ => fallback,
    };
}
