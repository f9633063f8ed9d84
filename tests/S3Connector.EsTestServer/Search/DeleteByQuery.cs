using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using S3Connector.EsTestServer.Cluster;
using S3Connector.EsTestServer.Documents;
using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices;

namespace S3Connector.EsTestServer.Search;

/// <summary>
/// POST /{index}/_delete_by_query. Like ES it searches the last refreshed snapshot, then deletes each hit with
/// the snapshot's seq_no as if_seq_no: a document rewritten or deleted since that refresh is a version conflict
/// and is not deleted (counted with conflicts=proceed; with abort the run stops after the batch and answers 409).
/// </summary>
internal static class DeleteByQuery
{
    private static readonly string[] Parameters =
    [
        "allow_no_indices", "analyzer", "analyze_wildcard", "conflicts", "default_operator", "df", "expand_wildcards",
        "from", "ignore_unavailable", "lenient", "max_docs", "preference", "refresh", "request_cache",
        "requests_per_second", "routing", "q", "scroll", "scroll_size", "search_timeout", "search_type", "slices",
        "sort", "stats", "terminate_after", "timeout", "version", "wait_for_active_shards", "wait_for_completion",
    ];

    public static void Map(Router router, ClusterState cluster) =>
        router.Map("POST", "/{index}/_delete_by_query", r => HandleAsync(cluster, r), Parameters);

    private static async Task<EsResponse> HandleAsync(ClusterState cluster, EsRequest request)
    {
        var conflicts = request.Param("conflicts") ?? "abort";
        if (conflicts is not ("abort" or "proceed"))
        {
            throw Errors.IllegalArgument($"conflicts may only be \"proceed\" or \"abort\" but was [{conflicts}]");
        }

        foreach (var unsupported in new[] { "q", "sort", "from", "terminate_after", "version" })
        {
            if (request.Has(unsupported))
            {
                throw Errors.Unsupported($"the [{unsupported}] parameter of _delete_by_query");
            }
        }

        if (request.Param("slices") is { } slices && slices is not ("1" or "auto"))
        {
            throw Errors.Unsupported("sliced delete_by_query");
        }

        var run = new Run
        {
            Proceed = conflicts == "proceed",
            Refresh = request.Bool("refresh", false),
            ScrollSize = request.Int("scroll_size", 1000),
            MaxDocs = request.Long("max_docs"),
            RequestsPerSecond = ParseRequestsPerSecond(request.Param("requests_per_second")),
            Query = ParseBody(request, out var bodyMaxDocs),
        };
        run.MaxDocs ??= bodyMaxDocs;
        var expression = request.Route("index");
        var indices = IndexNames.Resolve(cluster, expression, request.Bool("ignore_unavailable", false), request.Bool("allow_no_indices", true));
        if (!request.Bool("wait_for_completion", true))
        {
            var task = cluster.Tasks.Start("indices:data/write/delete/byquery", $"delete-by-query [{expression}]", t =>
            {
                t.Status = run.WriteStatus;
                return Task.FromResult<Action<Utf8JsonWriter>>(run.Execute(cluster, indices).WriteResponse);
            });
            return EsResponse.Ok(w =>
            {
                w.WriteStartObject();
                w.WriteString("task", $"{cluster.NodeId}:{task.Id}");
                w.WriteEndObject();
            });
        }

        await Task.Yield();
        var outcome = run.Execute(cluster, indices);
        return EsResponse.Json(outcome.Status, outcome.WriteResponse);
    }

    private static Query ParseBody(EsRequest request, out long? maxDocs)
    {
        maxDocs = null;
        using var document = request.Json();
        if (document is null)
        {
            throw Errors.Validation("query is missing");
        }

        var context = new BodyContext(request.Body);
        Query? query = null;
        foreach (var property in document.RootElement.EnumerateObject())
        {
            using var scope = context.Enter(property.Name);
            switch (property.Name)
            {
                case "query":
                    query = new QueryParser(context).Parse(property.Value);
                    break;
                case "max_docs":
                    maxDocs = property.Value.GetInt64();
                    break;
                case "slice" or "sort":
                    throw Errors.Unsupported($"[{property.Name}] in _delete_by_query");
                default:
                    throw context.Parsing($"Unknown key for a {JsonIn.TokenName(property.Value.ValueKind)} in [{property.Name}].");
            }
        }

        return query ?? throw Errors.Validation("query is missing");
    }

    private static double ParseRequestsPerSecond(string? value)
    {
        if (value is null or "-1")
        {
            return -1;
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var rps) && rps > 0
            ? rps
            : throw Errors.IllegalArgument($"[requests_per_second] must be either [-1] or a positive number, got [{value}]");
    }

    /// <summary>One execution, with the counters ES reports both in the response and in the task status.</summary>
    private sealed class Run
    {
        private readonly List<(EsIndex Index, string Id, EsException Cause)> _failures = [];
        private long _total, _deleted, _batches, _conflicts;

        public required Query Query { get; init; }

        public bool Proceed { get; init; }

        public bool Refresh { get; init; }

        public int ScrollSize { get; init; }

        public long? MaxDocs { get; set; }

        public double RequestsPerSecond { get; init; }

        public Outcome Execute(ClusterState cluster, IReadOnlyList<EsIndex> indices)
        {
            var started = Stopwatch.GetTimestamp();
            var spec = SearchSpec.ForQuery(Query);
            var matches = SearchExecutor.Execute(cluster, indices, spec, queryOnly: true).Matches
                .OrderBy(h => h.ShardOrder).ThenBy(h => h.Position)
                .Take((int)Math.Min(MaxDocs ?? long.MaxValue, int.MaxValue))
                .ToList();
            Interlocked.Exchange(ref _total, matches.Count);
            foreach (var batch in matches.Chunk(Math.Max(ScrollSize, 1)))
            {
                Interlocked.Increment(ref _batches);
                foreach (var hit in batch)
                {
                    DeleteOne(hit);
                }

                if (!Proceed && _failures.Count > 0)
                {
                    break;
                }
            }

            if (Refresh)
            {
                foreach (var index in indices)
                {
                    index.Refresh();
                }
            }

            return new Outcome(this, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        private void DeleteOne(Hit hit)
        {
            try
            {
                var options = new WriteOptions { IfSeqNo = hit.Doc.SeqNo, IfPrimaryTerm = StoredDoc.PrimaryTerm, Routing = hit.Doc.Routing };
                DocumentWriter.Delete(hit.Index, hit.Doc.Id, options);
                Interlocked.Increment(ref _deleted);
            }
            catch (EsException e) when (e.Status == 409)
            {
                Interlocked.Increment(ref _conflicts);
                if (!Proceed)
                {
                    _failures.Add((hit.Index, hit.Doc.Id, e));
                }
            }
        }

        public void WriteStatus(Utf8JsonWriter w)
        {
            w.WriteStartObject();
            w.WriteNumber("total", Interlocked.Read(ref _total));
            w.WriteNumber("updated", 0);
            w.WriteNumber("created", 0);
            w.WriteNumber("deleted", Interlocked.Read(ref _deleted));
            WriteCounters(w);
            w.WriteEndObject();
        }

        public void WriteCounters(Utf8JsonWriter w)
        {
            w.WriteNumber("batches", Interlocked.Read(ref _batches));
            w.WriteNumber("version_conflicts", Interlocked.Read(ref _conflicts));
            w.WriteNumber("noops", 0);
            w.WriteStartObject("retries");
            w.WriteNumber("bulk", 0);
            w.WriteNumber("search", 0);
            w.WriteEndObject();
            w.WriteNumber("throttled_millis", 0);
            w.WritePropertyName("requests_per_second");
            JsonOut.WriteDouble(w, RequestsPerSecond);
            w.WriteNumber("throttled_until_millis", 0);
        }

        public sealed class Outcome(Run run, long took)
        {
            public int Status => run._failures.Count > 0 ? 409 : 200;

            public void WriteResponse(Utf8JsonWriter w)
            {
                w.WriteStartObject();
                w.WriteNumber("took", took);
                w.WriteBoolean("timed_out", false);
                w.WriteNumber("total", run._total);
                w.WriteNumber("deleted", run._deleted);
                run.WriteCounters(w);
                w.WriteStartArray("failures");
                foreach (var (index, id, cause) in run._failures)
                {
                    w.WriteStartObject();
                    w.WriteString("index", index.Name);
                    w.WriteString("id", id);
                    w.WritePropertyName("cause");
                    cause.WriteObject(w);
                    w.WriteNumber("status", cause.Status);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }
        }
    }
}
