using System.Text.Json;
using S3Connector.EsTestServer.Cluster;
using S3Connector.EsTestServer.Documents;
using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices;

namespace S3Connector.EsTestServer.Search;

/// <summary>A matching document of one index's refreshed snapshot.</summary>
/// <param name="ShardOrder">Position of the index among the searched ones: ES breaks ties by shard.</param>
/// <param name="Position">Position in the snapshot: the Lucene doc id ES breaks remaining ties with.</param>
internal sealed record Hit(EsIndex Index, int ShardOrder, StoredDoc Doc, int Position, double Score)
{
    public object?[] SortValues { get; init; } = [];
}

/// <summary>A failure confined to one index (ES's shard failure); the search goes on with the others.</summary>
internal sealed record ShardFailure(EsIndex Index, EsException Cause);

internal sealed class SearchResult
{
    /// <summary>Every match, sorted: what total hits and aggregations count.</summary>
    public required List<Hit> Matches { get; init; }

    /// <summary>The sorted matches after the search_after cursor: what the page is cut from.</summary>
    public required List<Hit> Hits { get; init; }

    public required int TotalShards { get; init; }

    public required List<ShardFailure> Failures { get; init; }

    public int FailedShards => Failures.Sum(f => f.Index.Settings.NumberOfShards);

    /// <summary>Writes ES's "_shards" header (with "failures" when some shards failed).</summary>
    public void WriteShards(Utf8JsonWriter w, string nodeId, bool includeSkipped = true)
    {
        w.WriteStartObject("_shards");
        w.WriteNumber("total", TotalShards);
        w.WriteNumber("successful", TotalShards - FailedShards);
        if (includeSkipped)
        {
            w.WriteNumber("skipped", 0);
        }

        w.WriteNumber("failed", FailedShards);
        if (Failures.Count > 0)
        {
            w.WriteStartArray("failures");
            SearchExecutor.WriteFailures(w, Failures, nodeId);
            w.WriteEndArray();
        }

        w.WriteEndObject();
    }
}

/// <summary>
/// Runs a query over the last refreshed snapshot of each index (never the live documents, as in ES), then
/// merges, sorts and pages the hits the way the coordinating node does.
/// </summary>
internal static class SearchExecutor
{
    public static SearchResult Execute(ClusterState cluster, IReadOnlyList<EsIndex> indices, SearchSpec spec, bool queryOnly)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var matches = new List<Hit>();
        var failures = new List<ShardFailure>();
        List<BoundSort>? comparers = null;
        object?[]? after = null;
        for (var order = 0; order < indices.Count; order++)
        {
            var index = indices[order];
            try
            {
                var ctx = new QueryContext(index, now);
                if (!queryOnly)
                {
                    CheckWindow(index, spec);
                }

                var matcher = spec.Query.Bind(ctx);
                var sorts = queryOnly ? null : spec.Sort?.Select(s => BoundSort.Bind(s, ctx)).ToList();
                foreach (var aggregation in queryOnly ? [] : spec.Aggregations)
                {
                    aggregation.Validate(ctx);
                }

                if (!queryOnly && spec.SearchAfter is { } searchAfter)
                {
                    after ??= ConvertSearchAfter(searchAfter, sorts);
                }

                comparers ??= sorts;
                var docs = index.Searchable.Docs;
                for (var position = 0; position < docs.Count; position++)
                {
                    var doc = docs[position];
                    if (!matcher(doc, out var score) || (spec.MinScore is { } min && score < min))
                    {
                        continue;
                    }

                    matches.Add(new Hit(index, order, doc, position, score)
                    {
                        SortValues = sorts?.Select(s => s.ValueOf(doc, position, score)).ToArray() ?? [],
                    });
                }
            }
            catch (EsException e)
            {
                failures.Add(new ShardFailure(index, e));
            }
        }

        var totalShards = indices.Sum(i => i.Settings.NumberOfShards);
        if (failures.Count > 0 && failures.Count == indices.Count)
        {
            throw AllShardsFailed(failures, cluster.NodeId);
        }

        matches.Sort((a, b) => Compare(a, b, comparers));
        return new SearchResult
        {
            Matches = matches,
            Hits = after is null ? matches : matches.Where(h => CompareValues(h.SortValues, after, comparers!) > 0).ToList(),
            TotalShards = totalShards,
            Failures = failures,
        };
    }

    private static void CheckWindow(EsIndex index, SearchSpec spec)
    {
        var window = index.Settings.MaxResultWindow;
        if (spec.From + spec.Size > window)
        {
            throw Errors.IllegalArgument(
                $"Result window is too large, from + size must be less than or equal to: [{window}] but was [{spec.From + spec.Size}]. " +
                "See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.");
        }

        if (spec.SearchAfter is { } after)
        {
            if (spec.From > 0)
            {
                throw new EsException(500, "search_exception", "`from` parameter must be set to 0 when `search_after` is used.");
            }

            if (spec.Sort is null or { Count: 0 })
            {
                throw Errors.IllegalArgument("Sort must contain at least one field.");
            }

            if (after.Count != spec.Sort.Count)
            {
                throw Errors.IllegalArgument($"search_after has {after.Count} value(s) but sort has {spec.Sort.Count}.");
            }
        }
    }

    private static object?[] ConvertSearchAfter(List<JsonElement> values, List<BoundSort>? sorts) =>
        values.Select((v, i) => sorts![i].ConvertAfter(v)).ToArray();

    private static int Compare(Hit a, Hit b, List<BoundSort>? sorts)
    {
        var result = sorts is null ? b.Score.CompareTo(a.Score) : CompareValues(a.SortValues, b.SortValues, sorts);
        if (result == 0)
        {
            result = a.ShardOrder.CompareTo(b.ShardOrder);
        }

        return result != 0 ? result : a.Position.CompareTo(b.Position);
    }

    private static int CompareValues(object?[] a, object?[] b, List<BoundSort> sorts)
    {
        for (var i = 0; i < sorts.Count; i++)
        {
            var result = sorts[i].Compare(a[i], b[i]);
            if (result != 0)
            {
                return result;
            }
        }

        return 0;
    }

    /// <summary>search_phase_execution_exception "all shards failed", shaped as ES prints it.</summary>
    public static EsException AllShardsFailed(IReadOnlyList<ShardFailure> failures, string nodeId)
    {
        var first = failures[0].Cause;
        var status = failures.Skip(1).Select(f => f.Cause.Status).Where(s => s >= 500).DefaultIfEmpty(first.Status).Last();
        var error = new EsException(status, "search_phase_execution_exception", "all shards failed", new EsException(first.Status, first.Type, first.Reason, first))
        {
            RootCauses = failures.Select(f => f.Cause).DistinctBy(c => (c.Type, c.Reason)).ToList(),
            ExtraFields = w =>
            {
                w.WriteStartArray("failed_shards");
                WriteFailures(w, failures, nodeId);
                w.WriteEndArray();
            },
        };
        return error.With("phase", "query").With("grouped", true);
    }

    public static void WriteFailures(Utf8JsonWriter w, IReadOnlyList<ShardFailure> failures, string nodeId)
    {
        foreach (var failure in failures)
        {
            w.WriteStartObject();
            w.WriteNumber("shard", 0);
            w.WriteString("index", failure.Index.Name);
            w.WriteString("node", nodeId);
            w.WritePropertyName("reason");
            failure.Cause.WriteObject(w);
            w.WriteEndObject();
        }
    }
}
