using System.Text.Json;
using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices.Mapping;

namespace S3Connector.EsTestServer.Search;

/// <summary>Parses the "aggs"/"aggregations" section of a search body.</summary>
internal static class AggregationParser
{
    private static readonly HashSet<string> Metrics = new(StringComparer.Ordinal) { "sum", "min", "max", "avg", "value_count" };

    private static readonly HashSet<string> KnownUnsupported = new(StringComparer.Ordinal)
    {
        "adjacency_matrix", "auto_date_histogram", "avg_bucket", "boxplot", "bucket_script", "bucket_selector",
        "bucket_sort", "cardinality", "categorize_text", "children", "composite", "cumulative_cardinality",
        "cumulative_sum", "date_histogram", "date_range", "derivative", "diversified_sampler", "extended_stats",
        "extended_stats_bucket", "filter", "filters", "frequent_item_sets", "geo_bounds", "geo_centroid",
        "geo_distance", "geohash_grid", "geo_line", "geotile_grid", "geohex_grid", "global", "histogram",
        "ip_range", "ip_prefix", "inference", "line", "matrix_stats", "max_bucket", "median_absolute_deviation",
        "min_bucket", "missing", "moving_avg", "moving_percentiles", "moving_fn", "multi_terms", "nested",
        "normalize", "parent", "percentile_ranks", "percentiles", "percentiles_bucket", "range", "rare_terms",
        "rate", "reverse_nested", "random_sampler", "sampler", "scripted_metric", "serial_diff",
        "significant_terms", "significant_text", "stats", "stats_bucket", "string_stats", "sum_bucket",
        "time_series", "top_hits", "t_test", "top_metrics", "weighted_avg", "variable_width_histogram",
    };

    public static List<Aggregation> Parse(JsonElement aggs, BodyContext context)
    {
        if (aggs.ValueKind != JsonValueKind.Object)
        {
            throw context.Parsing($"Unexpected token {JsonIn.TokenName(aggs.ValueKind)} in [aggs].");
        }

        var result = new List<Aggregation>();
        foreach (var entry in aggs.EnumerateObject())
        {
            using var scope = context.Enter(entry.Name);
            if (entry.Name.AsSpan().IndexOfAny("[]>") >= 0)
            {
                throw context.Parsing($"Invalid aggregation name [{entry.Name}]. Aggregation names can contain any character except '[', ']', and '>'");
            }

            result.Add(ParseOne(entry.Name, entry.Value, context));
        }

        return result;
    }

    private static Aggregation ParseOne(string name, JsonElement definition, BodyContext context)
    {
        if (definition.ValueKind != JsonValueKind.Object)
        {
            throw context.Parsing($"Aggregation definition for [{name} starts with a [{JsonIn.TokenName(definition.ValueKind)}], expected a [START_OBJECT].");
        }

        string? type = null;
        JsonElement body = default;
        JsonElement? meta = null;
        List<Aggregation> subs = [];
        foreach (var property in definition.EnumerateObject())
        {
            using var scope = context.Enter(property.Name);
            switch (property.Name)
            {
                case "aggs" or "aggregations":
                    subs = Parse(property.Value, context);
                    break;
                case "meta":
                    meta = property.Value.Clone();
                    break;
                default:
                    if (type is not null)
                    {
                        throw context.Parsing($"Found two aggregation type definitions in [{name}]: [{type}] and [{property.Name}]");
                    }

                    if (KnownUnsupported.Contains(property.Name))
                    {
                        throw Errors.Unsupported($"the [{property.Name}] aggregation");
                    }

                    if (!Metrics.Contains(property.Name) && property.Name != "terms")
                    {
                        throw context.Parsing($"Unknown aggregation type [{property.Name}]");
                    }

                    type = property.Name;
                    body = property.Value;
                    break;
            }
        }

        if (type is null)
        {
            throw context.Parsing($"Missing definition for aggregation [{name}]");
        }

        using var typeScope = context.Enter(type);
        if (type == "terms")
        {
            return ParseTerms(name, body, meta, subs, context);
        }

        if (subs.Count > 0)
        {
            throw new EsException(400, "aggregation_initialization_exception", $"Aggregator [{name}] of type [{type}] cannot accept sub-aggregations");
        }

        var (field, missing, _) = ParseFieldOptions(type, body, context, []);
        return new MetricAggregation(name, type, meta, field, missing);
    }

    private static TermsAggregation ParseTerms(string name, JsonElement body, JsonElement? meta, List<Aggregation> subs, BodyContext context)
    {
        var size = 10;
        long minDocCount = 1;
        var order = new List<(string, bool)> { ("_count", true) };
        var (field, missing, extra) = ParseFieldOptions("terms", body, context, ["size", "min_doc_count", "order", "shard_size", "execution_hint", "collect_mode", "shard_min_doc_count"]);
        foreach (var (key, value) in extra)
        {
            switch (key)
            {
                case "size":
                    size = value.GetInt32();
                    if (size <= 0)
                    {
                        throw Errors.IllegalArgument($"[size] must be greater than 0. Found [{size}] in [{name}]");
                    }

                    break;
                case "min_doc_count":
                    minDocCount = value.GetInt64();
                    if (minDocCount < 1)
                    {
                        throw Errors.Unsupported("terms [min_doc_count] below 1");
                    }

                    break;
                case "order":
                    order = ParseOrder(value);
                    break;
            }
        }

        return new TermsAggregation(name, meta, field, size, minDocCount, order, missing, subs);
    }

    private static List<(string, bool)> ParseOrder(JsonElement value)
    {
        var items = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToList() : [value];
        var result = new List<(string, bool)>();
        foreach (var item in items)
        {
            foreach (var property in item.EnumerateObject())
            {
                if (property.Name is not ("_count" or "_key"))
                {
                    throw Errors.Unsupported($"terms order by [{property.Name}]");
                }

                result.Add((property.Name, property.Value.GetString()?.ToLowerInvariant() == "desc"));
            }
        }

        return result;
    }

    private static (string Field, Scalar? Missing, List<(string, JsonElement)> Extra) ParseFieldOptions(
        string type, JsonElement body, BodyContext context, string[] extraKeys)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw context.Parsing($"[{type}] expected START_OBJECT");
        }

        string? field = null;
        Scalar? missing = null;
        var extra = new List<(string, JsonElement)>();
        foreach (var property in body.EnumerateObject())
        {
            using var scope = context.Enter(property.Name);
            switch (property.Name)
            {
                case "field":
                    field = property.Value.GetString();
                    break;
                case "missing":
                    missing = Scalar.From(property.Value);
                    break;
                case "script" or "format" or "value_type" or "include" or "exclude" or "show_term_doc_count_error":
                    throw Errors.Unsupported($"[{type}] option [{property.Name}]");
                case var key when extraKeys.Contains(key):
                    extra.Add((key, property.Value));
                    break;
                default:
                    throw context.XContent($"[{type}] unknown field [{property.Name}]");
            }
        }

        return (field ?? throw Errors.IllegalArgument($"Required one of fields [field, script], but none were specified. "), missing, extra);
    }
}
