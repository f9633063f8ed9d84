using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using S3Connector.EsTestServer.Http;

namespace S3Connector.EsTestServer.Indices.Mapping;

/// <summary>Parses mapping definitions (create index, put mapping) with ES's validation messages.</summary>
internal static class MappingParser
{
    private static readonly Dictionary<string, FieldKind> LeafTypes = new(StringComparer.Ordinal)
    {
        ["keyword"] = FieldKind.Keyword,
        ["wildcard"] = FieldKind.Keyword,
        ["text"] = FieldKind.Text,
        ["match_only_text"] = FieldKind.Text,
        ["long"] = FieldKind.Long,
        ["integer"] = FieldKind.Long,
        ["short"] = FieldKind.Long,
        ["byte"] = FieldKind.Long,
        ["double"] = FieldKind.Double,
        ["float"] = FieldKind.Double,
        ["half_float"] = FieldKind.Double,
        ["scaled_float"] = FieldKind.Double,
        ["date"] = FieldKind.Date,
        ["boolean"] = FieldKind.Boolean,
        ["binary"] = FieldKind.Binary,
        ["flattened"] = FieldKind.Flattened,
    };

    // Types ES has that this server does not emulate: rejected explicitly instead of "No handler for type".
    private static readonly HashSet<string> UnsupportedTypes = new(StringComparer.Ordinal)
    {
        "nested", "ip", "geo_point", "geo_shape", "point", "shape", "date_nanos", "dense_vector", "sparse_vector",
        "semantic_text", "search_as_you_type", "completion", "token_count", "alias", "join", "percolator", "rank_feature",
        "rank_features", "histogram", "aggregate_metric_double", "version", "unsigned_long", "integer_range",
        "float_range", "long_range", "double_range", "date_range", "ip_range", "annotated_text", "murmur3",
        "counted_keyword", "constant_keyword", "passthrough",
    };

    private static readonly string[] CommonParameters = ["index", "doc_values", "store", "meta", "boost"];

    private static readonly Dictionary<FieldKind, string[]> KindParameters = new()
    {
        [FieldKind.Keyword] = ["ignore_above", "null_value", "eager_global_ordinals", "index_options", "norms", "similarity", "split_queries_on_whitespace", "time_series_dimension"],
        [FieldKind.Text] = ["analyzer", "search_analyzer", "search_quote_analyzer", "fielddata", "fielddata_frequency_filter", "eager_global_ordinals", "index_options", "index_phrases", "index_prefixes", "norms", "position_increment_gap", "similarity", "term_vector"],
        [FieldKind.Long] = ["coerce", "ignore_malformed", "null_value", "time_series_dimension", "time_series_metric"],
        [FieldKind.Double] = ["coerce", "ignore_malformed", "null_value", "scaling_factor", "time_series_metric"],
        [FieldKind.Date] = ["format", "locale", "ignore_malformed", "null_value"],
        [FieldKind.Boolean] = ["null_value", "ignore_malformed"],
        [FieldKind.Binary] = [],
        [FieldKind.Flattened] = ["depth_limit", "ignore_above", "null_value", "eager_global_ordinals", "index_options", "similarity", "split_queries_on_whitespace", "time_series_dimensions"],
    };

    // Parameters ES accepts whose behaviour this server would get wrong: rejected instead of ignored.
    private static readonly HashSet<string> UnsupportedParameters = new(StringComparer.Ordinal)
    {
        "normalizer", "copy_to", "script", "on_script_error", "dynamic_templates", "runtime",
    };

    // Analyzers whose tokens TextAnalyzer reproduces closely enough.
    private static readonly HashSet<string> SupportedAnalyzers = new(StringComparer.Ordinal) { "standard", "default" };

    private static readonly HashSet<string> RootOnlyParameters = new(StringComparer.Ordinal)
    {
        "_meta", "_routing", "_source", "date_detection", "dynamic_date_formats", "numeric_detection",
    };

    public static EsException MapperParsing(string reason, EsException? cause = null) =>
        new(400, "mapper_parsing_exception", reason, cause);

    public static RootMapping ParseRoot(JsonElement mappings)
    {
        if (mappings.ValueKind != JsonValueKind.Object)
        {
            throw MapperParsing($"Expected map for property [mappings] but got a {JsonIn.TokenName(mappings.ValueKind)}");
        }

        // Typeless APIs still accept the single "_doc" type wrapper.
        if (mappings.EnumerateObject().Count() == 1 && mappings.TryGetProperty("_doc", out var typed) && typed.ValueKind == JsonValueKind.Object)
        {
            mappings = typed;
        }

        var properties = ObjectMapper.NoProperties;
        DynamicMode? dynamic = null;
        var parameters = new List<KeyValuePair<string, JsonElement>>();
        var unsupported = new List<string>();
        foreach (var property in mappings.EnumerateObject())
        {
            switch (property.Name)
            {
                case "properties":
                    properties = ParseProperties(property.Value, string.Empty);
                    break;
                case "dynamic":
                    dynamic = ParseDynamic(property.Value);
                    break;
                case "dynamic_templates" when property.Value.ValueKind == JsonValueKind.Array && property.Value.GetArrayLength() == 0:
                case "runtime" when property.Value.ValueKind == JsonValueKind.Object && !property.Value.EnumerateObject().Any():
                case "subobjects" when property.Value.ValueKind == JsonValueKind.True:
                    break;
                case "_source":
                    ValidateSource(property.Value);
                    parameters.Add(new(property.Name, property.Value.Clone()));
                    break;
                case var name when RootOnlyParameters.Contains(name):
                    parameters.Add(new(name, property.Value.Clone()));
                    break;
                case var name when UnsupportedParameters.Contains(name) || name is "subobjects" or "enabled":
                    throw Errors.Unsupported($"mapping parameter [{name}]");
                default:
                    unsupported.Add($"{property.Name} : {JavaText(property.Value)}");
                    break;
            }
        }

        if (unsupported.Count > 0)
        {
            throw MapperParsing($"Root mapping definition has unsupported parameters:  [{string.Join("] [", unsupported)}]");
        }

        return new RootMapping(new ObjectMapper(string.Empty, properties, dynamic, true), parameters);
    }

    public static ImmutableSortedDictionary<string, Mapper> ParseProperties(JsonElement properties, string parentPath)
    {
        if (properties.ValueKind != JsonValueKind.Object)
        {
            throw MapperParsing($"Expected map for property [properties] on field [{(parentPath.Length == 0 ? "_doc" : parentPath)}] but got a {JsonIn.TokenName(properties.ValueKind)}");
        }

        var result = ObjectMapper.NoProperties;
        foreach (var property in properties.EnumerateObject())
        {
            if (property.Name.Length == 0)
            {
                throw MapperParsing("field name cannot be an empty string");
            }

            // Dotted names in mappings are shorthand for nested objects, as in ES.
            var parts = property.Name.Split('.');
            var leafPath = Join(parentPath, property.Name);
            Mapper mapper = ParseMapper(parts[^1], leafPath, property.Value);
            for (var i = parts.Length - 2; i >= 0; i--)
            {
                mapper = new ObjectMapper(parts[i], ObjectMapper.NoProperties.Add(mapper.Name, mapper), null, true);
            }

            result = result.TryGetValue(mapper.Name, out var existing)
                ? result.SetItem(mapper.Name, MappingMerger.Merge(existing, mapper, Join(parentPath, mapper.Name)))
                : result.Add(mapper.Name, mapper);
        }

        return result;
    }

    private static Mapper ParseMapper(string name, string path, JsonElement definition)
    {
        if (definition.ValueKind != JsonValueKind.Object)
        {
            throw MapperParsing($"Expected map for property [fields] on field [{path}] but got a {JsonIn.TokenName(definition.ValueKind)}");
        }

        string? type = null;
        if (definition.TryGetProperty("type", out var typeElement))
        {
            type = typeElement.ValueKind == JsonValueKind.String
                ? typeElement.GetString()
                : throw MapperParsing($"type must be a string on field [{path}]");
        }

        if (type is null or "object")
        {
            if (type is null && !definition.TryGetProperty("properties", out _) && definition.EnumerateObject().Any(p => p.Name is not ("dynamic" or "enabled")))
            {
                throw MapperParsing($"No type specified for field [{path}]");
            }

            return ParseObject(name, path, definition);
        }

        if (LeafTypes.TryGetValue(type!, out var kind))
        {
            return ParseField(name, path, type!, kind, definition, allowMultiFields: true);
        }

        if (UnsupportedTypes.Contains(type!))
        {
            throw Errors.Unsupported($"field type [{type}] (field [{path}])");
        }

        throw MapperParsing($"No handler for type [{type}] declared on field [{name}]");
    }

    private static ObjectMapper ParseObject(string name, string path, JsonElement definition)
    {
        var properties = ObjectMapper.NoProperties;
        DynamicMode? dynamic = null;
        var enabled = true;
        var unsupported = new List<string>();
        foreach (var property in definition.EnumerateObject())
        {
            switch (property.Name)
            {
                case "type":
                    break;
                case "properties":
                    properties = ParseProperties(property.Value, path);
                    break;
                case "dynamic":
                    dynamic = ParseDynamic(property.Value);
                    break;
                case "enabled":
                    enabled = property.Value.ValueKind != JsonValueKind.False && !(property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() == "false");
                    break;
                case "subobjects" when property.Value.ValueKind == JsonValueKind.True:
                    break;
                case "subobjects":
                    throw Errors.Unsupported($"mapping parameter [subobjects] (field [{path}])");
                default:
                    unsupported.Add($"{property.Name} : {JavaText(property.Value)}");
                    break;
            }
        }

        if (unsupported.Count > 0)
        {
            throw MapperParsing($"Mapping definition for [{name}] has unsupported parameters:  [{string.Join("] [", unsupported)}]");
        }

        return new ObjectMapper(name, properties, dynamic, enabled);
    }

    private static FieldMapper ParseField(string name, string path, string type, FieldKind kind, JsonElement definition, bool allowMultiFields)
    {
        var parameters = new List<KeyValuePair<string, JsonElement>>();
        var multiFields = FieldMapper.NoMultiFields;
        foreach (var property in definition.EnumerateObject())
        {
            if (property.Name == "type")
            {
                continue;
            }

            if (property.Name == "fields" && allowMultiFields && kind != FieldKind.Flattened && kind != FieldKind.Binary)
            {
                multiFields = ParseMultiFields(path, property.Value);
                continue;
            }

            if (UnsupportedParameters.Contains(property.Name))
            {
                throw Errors.Unsupported($"mapping parameter [{property.Name}] (field [{path}])");
            }

            if (!CommonParameters.Contains(property.Name) && !KindParameters[kind].Contains(property.Name))
            {
                throw MapperParsing($"unknown parameter [{property.Name}] on mapper [{name}] of type [{type}]");
            }

            if (property.Name is "analyzer" or "search_analyzer" or "search_quote_analyzer"
                && !SupportedAnalyzers.Contains(property.Value.GetString() ?? string.Empty))
            {
                throw Errors.Unsupported($"analyzer [{property.Value}] (field [{path}]); only the standard analyzer is emulated");
            }

            parameters.Add(new(property.Name, property.Value.Clone()));
        }

        var scalingFactor = Number(parameters, "scaling_factor", path);
        if (type == "scaled_float" && scalingFactor is null)
        {
            throw MapperParsing($"Field [scaling_factor] is required");
        }

        return new FieldMapper(name, type, kind, parameters, multiFields)
        {
            IgnoreAbove = Number(parameters, "ignore_above", path) is { } above ? (int)above : null,
            DateFormat = kind == FieldKind.Date ? ParseDateFormat(parameters, path) : DateFormat.Default,
            Indexed = Flag(parameters, "index", true),
            DocValues = Flag(parameters, "doc_values", kind != FieldKind.Binary && kind != FieldKind.Text),
            Coerce = Flag(parameters, "coerce", true),
            IgnoreMalformed = Flag(parameters, "ignore_malformed", false),
            NullValue = parameters.Where(p => p.Key == "null_value" && p.Value.ValueKind != JsonValueKind.Null).Select(p => (JsonElement?)p.Value).FirstOrDefault(),
            ScalingFactor = scalingFactor ?? 1,
            Fielddata = Flag(parameters, "fielddata", false),
        };
    }

    private static ImmutableSortedDictionary<string, FieldMapper> ParseMultiFields(string path, JsonElement fields)
    {
        if (fields.ValueKind != JsonValueKind.Object)
        {
            throw MapperParsing($"Expected map for property [fields] on field [{path}] but got a {JsonIn.TokenName(fields.ValueKind)}");
        }

        var result = FieldMapper.NoMultiFields;
        foreach (var sub in fields.EnumerateObject())
        {
            if (sub.Value.ValueKind != JsonValueKind.Object || !sub.Value.TryGetProperty("type", out var t) || t.ValueKind != JsonValueKind.String)
            {
                throw MapperParsing($"No type specified for field [{sub.Name}]");
            }

            var type = t.GetString()!;
            if (type is "object" or "nested")
            {
                throw MapperParsing($"Type [{type}] cannot be used in multi field");
            }

            if (!LeafTypes.TryGetValue(type, out var kind))
            {
                throw UnsupportedTypes.Contains(type)
                    ? Errors.Unsupported($"field type [{type}] (field [{path}.{sub.Name}])")
                    : MapperParsing($"No handler for type [{type}] declared on field [{sub.Name}]");
            }

            result = result.SetItem(sub.Name, ParseField(sub.Name, $"{path}.{sub.Name}", type, kind, sub.Value, allowMultiFields: false));
        }

        return result;
    }

    public static DynamicMode ParseDynamic(JsonElement value) => (value.ValueKind, value.ValueKind == JsonValueKind.String ? value.GetString() : null) switch
    {
        (JsonValueKind.True, _) or (_, "true") => DynamicMode.True,
        (JsonValueKind.False, _) or (_, "false") => DynamicMode.False,
        (_, "strict") => DynamicMode.Strict,
        (_, "runtime") => throw Errors.Unsupported("dynamic [runtime]"),
        _ => throw MapperParsing($"Could not convert [dynamic] to boolean"),
    };

    private static void ValidateSource(JsonElement source)
    {
        if (source.ValueKind != JsonValueKind.Object || source.EnumerateObject().Any(p => p.Name != "enabled"))
        {
            throw Errors.Unsupported("_source mapping options other than [enabled]");
        }
    }

    private static DateFormat ParseDateFormat(List<KeyValuePair<string, JsonElement>> parameters, string path)
    {
        var format = parameters.Where(p => p.Key == "format").Select(p => p.Value.GetString()).FirstOrDefault();
        if (format is null)
        {
            return DateFormat.Default;
        }

        try
        {
            return DateFormat.Parse(format);
        }
        catch (FormatException)
        {
            throw Errors.Unsupported($"date format [{format}] (field [{path}])");
        }
    }

    private static double? Number(List<KeyValuePair<string, JsonElement>> parameters, string name, string path)
    {
        foreach (var (key, value) in parameters)
        {
            if (key != name)
            {
                continue;
            }

            if (value.ValueKind == JsonValueKind.Number)
            {
                return value.GetDouble();
            }

            if (value.ValueKind == JsonValueKind.String && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
            {
                return parsed;
            }

            throw MapperParsing($"Failed to parse mapping: [{name}] on mapper [{path}] must be a number");
        }

        return null;
    }

    private static bool Flag(List<KeyValuePair<string, JsonElement>> parameters, string name, bool fallback)
    {
        foreach (var (key, value) in parameters)
        {
            if (key == name)
            {
                return value.ValueKind == JsonValueKind.True || (value.ValueKind == JsonValueKind.String && value.GetString() == "true");
            }
        }

        return fallback;
    }

    private static string Join(string parent, string name) => parent.Length == 0 ? name : $"{parent}.{name}";

    /// <summary>How Java prints a parsed map value in ES's "unsupported parameters" message.</summary>
    public static string JavaText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(", ", value.EnumerateObject().Select(p => $"{p.Name}={JavaText(p.Value)}")) + "}",
        JsonValueKind.Array => "[" + string.Join(", ", value.EnumerateArray().Select(JavaText)) + "]",
        JsonValueKind.String => value.GetString()!,
        _ => value.GetRawText(),
    };
}
