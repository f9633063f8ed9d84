using Stopwatch = System.Diagnostics.Stopwatch;
using System.Text.Json;
using S3Connector.EsTestServer.Cluster;
using S3Connector.EsTestServer.Documents;
using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Ingest;

namespace S3Connector.EsTestServer.Bulk;

/// <summary>
/// POST|PUT /_bulk and /{index}/_bulk. Items run in order; each succeeds or fails on its own (HTTP 200 with
/// errors=true), with the same per-item statuses and errors as the single-document APIs.
/// </summary>
internal static class BulkEndpoint
{
    private static readonly string[] Parameters =
    [
        "include_source_on_error", "list_executed_pipelines", "pipeline", "refresh", "routing", "_source",
        "_source_excludes", "_source_includes", "timeout", "wait_for_active_shards", "require_alias", "require_data_stream",
    ];

    public static void Map(Router router, ClusterState cluster, EsFaults faults)
    {
        router.Map("POST|PUT", "/_bulk", r => HandleAsync(cluster, faults, r, null), Parameters);
        router.Map("POST|PUT", "/{index}/_bulk", r => HandleAsync(cluster, faults, r, r.Route("index")), Parameters);
    }

    private static async Task<EsResponse> HandleAsync(ClusterState cluster, EsFaults faults, EsRequest request, string? defaultIndex)
    {
        var started = Stopwatch.GetTimestamp();
        if (SourceFilter.FromQuery(request) is not null)
        {
            throw Errors.Unsupported("returning _source from bulk updates");
        }

        var refresh = RefreshPolicies.Parse(request.Param("refresh"));
        var items = BulkParser.Parse(request, defaultIndex);
        foreach (var item in items)
        {
            item.Options.Validate(item.Id, item.IsCreate);
        }

        var results = new List<ItemResult>(items.Count);
        var usedPipeline = false;
        foreach (var item in items)
        {
            if (item.Action is "index" or "create" && faults.IsRefused(item.Id))
            {
                results.Add(ItemResult.Failed(item, new EsException(400, "document_parsing_exception",
                    "[1:2] failed to parse field [size_in_bytes] of type [long] (refused by es-test-server)")));
                continue;
            }

            if (faults.TryRejectBulkItem(item.Id))
            {
                item.Id ??= item.Action is "index" or "create" ? WriteOptions.NewId() : null;
                results.Add(ItemResult.Failed(item, Rejected(item.Index!, cluster.NodeName)));
                continue;
            }

            try
            {
                results.Add(ItemResult.Succeeded(item, Execute(cluster, item, ref usedPipeline)));
            }
            catch (EsException e)
            {
                results.Add(ItemResult.Failed(item, e));
            }
        }

        var writes = results.Where(r => r.Result is { IsNoop: false }).Select(r => (r.Result!.Index, r.Result.SeqNo)).ToList();
        if (await RefreshPolicies.ApplyAsync(refresh, writes))
        {
            foreach (var result in results.Where(r => r.Result is { IsNoop: false }))
            {
                result.Result!.ForcedRefresh = true;
            }
        }

        var took = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return EsResponse.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("errors", results.Any(r => r.Error is not null));
            w.WriteNumber("took", took);
            if (usedPipeline)
            {
                w.WriteNumber("ingest_took", 0);
            }

            w.WriteStartArray("items");
            foreach (var result in results)
            {
                result.Write(w);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static WriteResult Execute(ClusterState cluster, BulkItem item, ref bool usedPipeline)
    {
        var name = item.Index!;
        switch (item.Action)
        {
            case "delete":
                return DocumentWriter.Delete(cluster.Get(name), item.Id!, item.Options);
            case "update":
                return DocumentWriter.Update(DocumentEndpoints.ResolveForWrite(cluster, name, item.Options), item.Id!, item.Update!, item.Options);
            default:
                // Ingest runs before ids are generated, so a pipeline failure of an auto-id item reports _id null.
                usedPipeline |= Pipelines.Check(cluster, cluster.Find(name), item.Options.Pipeline);
                var index = DocumentEndpoints.ResolveForWrite(cluster, name, item.Options);
                item.Id ??= WriteOptions.NewId();
                return DocumentWriter.Index(index, item.Id, item.Source!, item.Options, item.IsCreate);
        }
    }

    private static EsException Rejected(string index, string node) =>
        new(429, "es_rejected_execution_exception",
            $"rejected execution of primary operation [shard_detail=[{index}][0][{node}]] (injected by es-test-server)");

    private sealed class ItemResult
    {
        private BulkItem Item { get; init; } = null!;

        public WriteResult? Result { get; private init; }

        public EsException? Error { get; private init; }

        public static ItemResult Succeeded(BulkItem item, WriteResult result) => new() { Item = item, Result = result };

        public static ItemResult Failed(BulkItem item, EsException error) => new() { Item = item, Error = error };

        public void Write(Utf8JsonWriter w)
        {
            w.WriteStartObject();
            w.WriteStartObject(Item.Action);
            if (Result is not null)
            {
                Result.WriteFields(w);
                w.WriteNumber("status", Result.Status);
            }
            else
            {
                w.WriteString("_index", Item.Index);
                w.WriteString("_id", Item.Id);
                w.WriteNumber("status", Error!.Status);
                w.WritePropertyName("error");
                Error.WriteObject(w);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }
    }
}
