using System.Globalization;
using System.Text.Json;
using S3Connector.EsTestServer.Documents;
using S3Connector.EsTestServer.Http;

namespace S3Connector.EsTestServer.Search;

/// <summary>A search request: the body options this server implements, overridden by URL parameters as in ES.</summary>
internal sealed class SearchSpec
{
    // Body options ES has that this server does not implement: rejected rather than ignored.
    private static readonly HashSet<string> UnsupportedKeys = new(StringComparer.Ordinal)
    {
        "collapse", "highlight", "indices_boost", "docvalue_fields", "knn", "rank", "post_filter", "profile",
        "rescore", "retriever", "script_fields", "slice", "fields", "suggest", "terminate_after", "stored_fields",
        "pit", "runtime_mappings", "ext", "explain",
    };

    public Query Query { get; private set; } = new MatchAllQuery();

    public int From { get; private set; }

    public int Size { get; private set; } = 10;

    public List<SortSpec>? Sort { get; private set; }

    public List<JsonElement>? SearchAfter { get; private set; }

    public SourceFilter Source { get; private set; } = SourceFilter.All;

    /// <summary>How many hits to count exactly; null when counting is disabled (track_total_hits=false).</summary>
    public int? TrackTotalHitsUpTo { get; private set; } = 10_000;

    private bool TrackTotalHitsSet { get; set; }

    public bool SeqNoPrimaryTerm { get; private set; }

    public bool Version { get; private set; }

    public bool TrackScores { get; private set; }

    public double? MinScore { get; private set; }

    public List<Aggregation> Aggregations { get; private set; } = [];

    /// <summary>Scores are computed unless the hits are sorted on fields only (and track_scores is off).</summary>
    public bool ScoresNeeded => Sort is null || TrackScores || Sort.Any(s => s.IsScore);

    /// <summary>A query-only request (delete_by_query's search phase).</summary>
    public static SearchSpec ForQuery(Query query) => new() { Query = query };

    public static SearchSpec Parse(EsRequest request, bool countOnly)
    {
        var spec = new SearchSpec();
        using var document = request.Json();
        if (document is not null)
        {
            var context = new BodyContext(request.Body);
            if (countOnly)
            {
                spec.ParseCountBody(document.RootElement, context);
            }
            else
            {
                spec.ParseBody(document.RootElement, context);
            }
        }

        if (!countOnly)
        {
            spec.ApplyParameters(request);
        }

        if (request.Has("q"))
        {
            throw Errors.Unsupported("the [q] (query string) parameter");
        }

        return spec;
    }

    private void ParseCountBody(JsonElement body, BodyContext context)
    {
        foreach (var property in RequireObject(body, context))
        {
            using var scope = context.Enter(property.Name);
            Query = property.Name == "query"
                ? new QueryParser(context).Parse(property.Value)
                : throw context.Parsing($"request does not support [{property.Name}]");
        }
    }

    private void ParseBody(JsonElement body, BodyContext context)
    {
        foreach (var property in RequireObject(body, context))
        {
            using var scope = context.Enter(property.Name);
            var value = property.Value;
            switch (property.Name)
            {
                case "query": Query = new QueryParser(context).Parse(value); break;
                case "from": From = Int(value, context, "from"); break;
                case "size": Size = Int(value, context, "size"); break;
                case "sort": Sort = SortSpec.Parse(value, context); break;
                case "search_after":
                    SearchAfter = value.ValueKind == JsonValueKind.Array
                        ? value.EnumerateArray().Select(v => v.Clone()).ToList()
                        : throw context.Parsing("Expected [START_ARRAY] in [search_after] but found [" + JsonIn.TokenName(value.ValueKind) + "]");
                    break;
                case "_source": Source = SourceFilter.Parse(value, context); break;
                case "track_total_hits":
                    TrackTotalHitsUpTo = ParseTrackTotalHits(value, context);
                    TrackTotalHitsSet = true;
                    break;
                case "seq_no_primary_term": SeqNoPrimaryTerm = Bool(value, context); break;
                case "version": Version = Bool(value, context); break;
                case "track_scores": TrackScores = Bool(value, context); break;
                case "min_score": MinScore = value.GetDouble(); break;
                case "aggs" or "aggregations": Aggregations = AggregationParser.Parse(value, context); break;
                case "timeout" or "stats": break;
                case "explain" or "profile" when value.ValueKind == JsonValueKind.False: break;
                case var key when UnsupportedKeys.Contains(key): throw Errors.Unsupported($"[{key}] in search requests");
                default: throw context.Parsing($"Unknown key for a {JsonIn.TokenName(value.ValueKind)} in [{property.Name}].");
            }
        }
    }

    private void ApplyParameters(EsRequest request)
    {
        From = request.Int("from", From);
        Size = request.Int("size", Size);
        if (request.Param("sort") is { } sort)
        {
            Sort = SortSpec.ParseParameter(sort);
        }

        if (SourceFilter.FromQuery(request) is { } source)
        {
            Source = source;
        }

        if (request.Param("track_total_hits") is { } track)
        {
            TrackTotalHitsUpTo = track switch
            {
                "true" or "" => int.MaxValue,
                "false" => null,
                _ => int.Parse(track, CultureInfo.InvariantCulture),
            };
            TrackTotalHitsSet = true;
        }

        SeqNoPrimaryTerm = request.Bool("seq_no_primary_term", SeqNoPrimaryTerm);
        Version = request.Bool("version", Version);
        TrackScores = request.Bool("track_scores", TrackScores);
        if (request.Bool("rest_total_hits_as_int", false))
        {
            if (TrackTotalHitsSet && TrackTotalHitsUpTo != int.MaxValue)
            {
                throw Errors.Validation($"[rest_total_hits_as_int] cannot be used if the tracking of total hits is not accurate, got {TrackTotalHitsUpTo?.ToString(CultureInfo.InvariantCulture) ?? "false"}");
            }

            TrackTotalHitsUpTo = int.MaxValue;
        }

        foreach (var unsupported in new[] { "scroll", "stored_fields", "docvalue_fields", "terminate_after", "suggest_field" })
        {
            if (request.Has(unsupported))
            {
                throw Errors.Unsupported($"the [{unsupported}] parameter");
            }
        }

        if (request.Bool("explain", false))
        {
            throw Errors.Unsupported("the [explain] parameter");
        }

        if (From < 0)
        {
            throw Errors.Validation("[from] parameter cannot be negative");
        }

        if (Size < 0)
        {
            throw Errors.IllegalArgument($"[size] parameter cannot be negative, found [{Size}]");
        }
    }

    private static int? ParseTrackTotalHits(JsonElement value, BodyContext context) => value.ValueKind switch
    {
        JsonValueKind.True => int.MaxValue,
        JsonValueKind.False => null,
        JsonValueKind.Number => value.GetInt32() < 0
            ? throw Errors.IllegalArgument($"[track_total_hits] parameter must be positive or equals to -1, got {value.GetInt32()}")
            : value.GetInt32(),
        _ => throw context.Parsing($"[track_total_hits] must be a boolean or an integer"),
    };

    private static IEnumerable<JsonProperty> RequireObject(JsonElement body, BodyContext context) =>
        body.ValueKind == JsonValueKind.Object
            ? body.EnumerateObject()
            : throw context.Parsing($"Unexpected token {JsonIn.TokenName(body.ValueKind)} in request body");

    private static int Int(JsonElement value, BodyContext context, string name) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw context.XContent($"[{name}] failed to parse field [{name}]");

    private static bool Bool(JsonElement value, BodyContext context) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw context.XContent("Failed to parse value as boolean"),
    };
}
