using System.Diagnostics;
using System.Text.Json;
using S3Connector.EsTestServer.Cluster;
using S3Connector.EsTestServer.Documents;
using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices;

namespace S3Connector.EsTestServer.Search;

/// <summary>GET|POST _search and _count.</summary>
internal static class SearchEndpoints
{
    private static readonly string[] SearchParameters =
    [
        "allow_no_indices", "allow_partial_search_results", "analyzer", "analyze_wildcard", "batched_reduce_size",
        "ccs_minimize_roundtrips", "default_operator", "df", "docvalue_fields", "expand_wildcards", "explain",
        "ignore_throttled", "ignore_unavailable", "include_named_queries_score", "lenient", "max_concurrent_shard_requests",
        "preference", "pre_filter_shard_size", "request_cache", "routing", "scroll", "search_type", "stats",
        "stored_fields", "suggest_field", "suggest_mode", "suggest_size", "suggest_text", "terminate_after", "timeout",
        "track_total_hits", "track_scores", "typed_keys", "rest_total_hits_as_int", "version", "_source",
        "_source_excludes", "_source_exclude_vectors", "_source_includes", "seq_no_primary_term", "q", "size", "from",
        "sort", "force_synthetic_source",
    ];

    private static readonly string[] CountParameters =
    [
        "allow_no_indices", "analyzer", "analyze_wildcard", "default_operator", "df", "expand_wildcards",
        "ignore_throttled", "ignore_unavailable", "lenient", "min_score", "preference", "routing", "stats",
        "terminate_after", "q",
    ];

    public static void Map(Router router, ClusterState cluster)
    {
        router.Map("GET|POST", "/_search", r => Search(cluster, r, null), SearchParameters);
        router.Map("GET|POST", "/{index}/_search", r => Search(cluster, r, r.Route("index")), SearchParameters);
        router.Map("GET|POST", "/_count", r => Count(cluster, r, null), CountParameters);
        router.Map("GET|POST", "/{index}/_count", r => Count(cluster, r, r.Route("index")), CountParameters);
    }

    private static Task<EsResponse> Search(ClusterState cluster, EsRequest request, string? expression)
    {
        var started = Stopwatch.GetTimestamp();
        var spec = SearchSpec.Parse(request, countOnly: false);
        var indices = Resolve(cluster, request, expression);
        var result = SearchExecutor.Execute(cluster, indices, spec, queryOnly: false);
        if (result.Failures.Count > 0 && !request.Bool("allow_partial_search_results", true))
        {
            throw SearchExecutor.AllShardsFailed(result.Failures, cluster.NodeId);
        }

        var typedKeys = request.Bool("typed_keys", false);
        var totalAsInt = request.Bool("rest_total_hits_as_int", false);
        var took = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return Task.FromResult(EsResponse.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("took", took);
            w.WriteBoolean("timed_out", false);
            result.WriteShards(w, cluster.NodeId);
            WriteHits(w, spec, result, totalAsInt);
            if (spec.Aggregations.Count > 0)
            {
                w.WriteStartObject("aggregations");
                Aggregation.WriteAll(w, spec.Aggregations, result.Matches, typedKeys);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }));
    }

    private static Task<EsResponse> Count(ClusterState cluster, EsRequest request, string? expression)
    {
        foreach (var unsupported in new[] { "min_score", "terminate_after" })
        {
            if (request.Has(unsupported))
            {
                throw Errors.Unsupported($"the [{unsupported}] parameter of _count");
            }
        }

        var spec = SearchSpec.Parse(request, countOnly: true);
        var indices = Resolve(cluster, request, expression);
        var result = SearchExecutor.Execute(cluster, indices, spec, queryOnly: true);
        return Task.FromResult(EsResponse.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("count", result.Matches.Count);
            result.WriteShards(w, cluster.NodeId);
            w.WriteEndObject();
        }));
    }

    private static List<EsIndex> Resolve(ClusterState cluster, EsRequest request, string? expression) =>
        IndexNames.Resolve(cluster, expression, request.Bool("ignore_unavailable", false), request.Bool("allow_no_indices", true));

    private static void WriteHits(Utf8JsonWriter w, SearchSpec spec, SearchResult result, bool totalAsInt)
    {
        var scores = spec.ScoresNeeded;
        var page = result.Hits.Skip(spec.From).Take(spec.Size).ToList();
        w.WriteStartObject("hits");
        if (totalAsInt)
        {
            w.WriteNumber("total", result.Matches.Count);
        }
        else if (spec.TrackTotalHitsUpTo is { } limit)
        {
            w.WriteStartObject("total");
            w.WriteNumber("value", Math.Min(result.Matches.Count, limit));
            w.WriteString("relation", result.Matches.Count > limit ? "gte" : "eq");
            w.WriteEndObject();
        }

        w.WritePropertyName("max_score");
        if (scores && spec.Size > 0 && result.Hits.Count > 0)
        {
            JsonOut.WriteFloat(w, (float)result.Hits.Max(h => h.Score));
        }
        else
        {
            w.WriteNullValue();
        }

        w.WriteStartArray("hits");
        foreach (var hit in page)
        {
            WriteHit(w, hit, spec, scores);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteHit(Utf8JsonWriter w, Hit hit, SearchSpec spec, bool scores)
    {
        w.WriteStartObject();
        w.WriteString("_index", hit.Index.Name);
        w.WriteString("_id", hit.Doc.Id);
        if (spec.Version)
        {
            w.WriteNumber("_version", hit.Doc.Version);
        }

        if (spec.SeqNoPrimaryTerm)
        {
            w.WriteNumber("_seq_no", hit.Doc.SeqNo);
            w.WriteNumber("_primary_term", StoredDoc.PrimaryTerm);
        }

        w.WritePropertyName("_score");
        if (scores)
        {
            JsonOut.WriteFloat(w, (float)hit.Score);
        }
        else
        {
            w.WriteNullValue();
        }

        if (hit.Doc.Routing is { } routing)
        {
            w.WriteString("_routing", routing);
        }

        if (hit.Doc.Ignored.Count > 0)
        {
            w.WritePropertyName("_ignored");
            JsonOut.WriteValue(w, hit.Doc.Ignored);
        }

        spec.Source.WriteSource(w, hit.Index, hit.Doc.Source);
        if (spec.Sort is not null)
        {
            w.WriteStartArray("sort");
            foreach (var value in hit.SortValues)
            {
                JsonOut.WriteValue(w, value);
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }
}
