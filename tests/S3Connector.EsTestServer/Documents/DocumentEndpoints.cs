using System.Text.Json;
using S3Connector.EsTestServer.Cluster;
using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices;
using S3Connector.EsTestServer.Ingest;

namespace S3Connector.EsTestServer.Documents;

/// <summary>Single-document APIs: index, create, get, exists, _source, delete, update.</summary>
internal static class DocumentEndpoints
{
    private static readonly string[] IndexParameters =
    [
        "if_primary_term", "if_seq_no", "include_source_on_error", "op_type", "pipeline", "refresh", "routing",
        "timeout", "version", "version_type", "wait_for_active_shards", "require_alias", "require_data_stream",
    ];

    private static readonly string[] CreateParameters =
    [
        "include_source_on_error", "pipeline", "refresh", "require_alias", "require_data_stream", "routing", "timeout",
        "version", "version_type", "wait_for_active_shards",
    ];

    private static readonly string[] GetParameters =
    [
        "force_synthetic_source", "preference", "realtime", "refresh", "routing", "_source", "_source_excludes",
        "_source_exclude_vectors", "_source_includes", "stored_fields", "version", "version_type",
    ];

    private static readonly string[] DeleteParameters =
    [
        "if_primary_term", "if_seq_no", "refresh", "routing", "timeout", "version", "version_type", "wait_for_active_shards",
    ];

    private static readonly string[] UpdateParameters =
    [
        "if_primary_term", "if_seq_no", "include_source_on_error", "lang", "refresh", "require_alias",
        "retry_on_conflict", "routing", "timeout", "wait_for_active_shards", "_source", "_source_excludes", "_source_includes",
    ];

    public static void Map(Router router, ClusterState cluster)
    {
        router.Map("PUT|POST", "/{index}/_doc/{id}", r => IndexAsync(cluster, r, r.Route("id"), createPath: false), IndexParameters);
        router.Map("POST", "/{index}/_doc", r => IndexAsync(cluster, r, null, createPath: false), IndexParameters);
        router.Map("PUT|POST", "/{index}/_create/{id}", r => IndexAsync(cluster, r, r.Route("id"), createPath: true), CreateParameters);
        router.Map("GET|HEAD", "/{index}/_doc/{id}", r => Get(cluster, r, sourceOnly: false), GetParameters);
        router.Map("GET|HEAD", "/{index}/_source/{id}", r => Get(cluster, r, sourceOnly: true), GetParameters);
        router.Map("DELETE", "/{index}/_doc/{id}", r => DeleteAsync(cluster, r), DeleteParameters);
        router.Map("POST", "/{index}/_update/{id}", r => UpdateAsync(cluster, r), UpdateParameters);
    }

    private static async Task<EsResponse> IndexAsync(ClusterState cluster, EsRequest request, string? id, bool createPath)
    {
        var opType = request.Param("op_type");
        if (createPath && opType is not null && opType != "create")
        {
            throw Errors.IllegalArgument($"opType must be 'create', found: [{opType}]");
        }

        if (opType is not (null or "create" or "index"))
        {
            throw Errors.IllegalArgument($"opType must be 'create' or 'index', found: [{opType}]");
        }

        if (!request.HasBody)
        {
            throw Errors.RequestBodyRequired();
        }

        // POST /{index}/_doc without an id is a create with a generated id.
        var create = createPath || opType == "create" || (id is null && opType is null);
        var options = WriteOptions.FromQuery(request);
        options.Validate(id, create);
        var refresh = RefreshPolicies.Parse(request.Param("refresh"));
        var name = request.Route("index");
        Pipelines.Check(cluster, cluster.Find(name), options.Pipeline);
        var index = ResolveForWrite(cluster, name, options);
        await ActiveShards.EnsureAsync(request, index);
        var result = DocumentWriter.Index(index, id, request.Body, options, create);
        result.ForcedRefresh = await RefreshPolicies.ApplyAsync(refresh, [(index, result.SeqNo)]);
        return WriteResponse(result);
    }

    private static async Task<EsResponse> DeleteAsync(ClusterState cluster, EsRequest request)
    {
        var id = request.Route("id");
        var options = WriteOptions.FromQuery(request);
        options.Validate(id, isCreate: false);
        var refresh = RefreshPolicies.Parse(request.Param("refresh"));
        // Deletes never create an index.
        var index = cluster.Get(request.Route("index"));
        await ActiveShards.EnsureAsync(request, index);
        var result = DocumentWriter.Delete(index, id, options);
        result.ForcedRefresh = await RefreshPolicies.ApplyAsync(refresh, [(index, result.SeqNo)]);
        return WriteResponse(result);
    }

    private static async Task<EsResponse> UpdateAsync(ClusterState cluster, EsRequest request)
    {
        if (SourceFilter.FromQuery(request) is not null)
        {
            throw Errors.Unsupported("returning _source from the update API");
        }

        var id = request.Route("id");
        using var document = request.RequiredJson();
        var spec = UpdateSpec.Parse(document.RootElement, new BodyContext(request.Body));
        var options = WriteOptions.FromQuery(request);
        options.Validate(id, isCreate: false);
        var refresh = RefreshPolicies.Parse(request.Param("refresh"));
        var index = ResolveForWrite(cluster, request.Route("index"), options);
        await ActiveShards.EnsureAsync(request, index);
        var result = DocumentWriter.Update(index, id, spec, options);
        if (!result.IsNoop)
        {
            result.ForcedRefresh = await RefreshPolicies.ApplyAsync(refresh, [(index, result.SeqNo)]);
        }

        return WriteResponse(result);
    }

    /// <summary>Writes auto-create the index unless require_alias is set (this server has no aliases).</summary>
    public static EsIndex ResolveForWrite(ClusterState cluster, string name, WriteOptions options)
    {
        if (options.RequireAlias)
        {
            throw new EsException(404, "index_not_found_exception", $"no such index [{name}] and [require_alias] request flag is [true] and [{name}] is not an alias")
                .With("resource.type", "index_or_alias").With("resource.id", name).With("index_uuid", "_na_").With("index", name);
        }

        return cluster.GetOrAutoCreate(name);
    }

    private static EsResponse WriteResponse(WriteResult result) => EsResponse.Json(result.Status, w =>
    {
        w.WriteStartObject();
        result.WriteFields(w);
        w.WriteEndObject();
    });

    private static Task<EsResponse> Get(ClusterState cluster, EsRequest request, bool sourceOnly)
    {
        if (request.Has("stored_fields"))
        {
            throw Errors.Unsupported("the [stored_fields] parameter");
        }

        var index = cluster.Get(request.Route("index"));
        var id = request.Route("id");
        var doc = Lookup(index, id, request.Bool("realtime", true), request.Bool("refresh", false));
        CheckVersion(index, id, doc, request.Long("version"), WriteOptions.ParseVersionType(request.Param("version_type")));
        var filter = SourceFilter.FromQuery(request) ?? SourceFilter.All;
        if (request.IsHead)
        {
            return Task.FromResult(EsResponse.NoBody(doc is null || (sourceOnly && !index.Mapping.SourceEnabled) ? 404 : 200));
        }

        if (sourceOnly)
        {
            if (doc is null || !index.Mapping.SourceEnabled)
            {
                throw Errors.ResourceNotFound($"Document not found [{index.Name}]/[{id}]");
            }

            return Task.FromResult(EsResponse.Ok(w => filter.WriteValue(w, doc.Source)));
        }

        return Task.FromResult(EsResponse.Json(doc is null ? 404 : 200, w => WriteGetResult(w, index, id, doc, filter)));
    }

    /// <summary>A document as GET sees it: live (realtime) or as of the last refresh.</summary>
    public static StoredDoc? Lookup(EsIndex index, string id, bool realtime, bool refresh)
    {
        if (refresh)
        {
            index.Refresh();
        }

        if (!realtime)
        {
            return index.Searchable.Docs.FirstOrDefault(d => d.Id == id);
        }

        lock (index.SyncRoot)
        {
            return index.Live(id);
        }
    }

    public static void CheckVersion(EsIndex index, string id, StoredDoc? doc, long? version, string versionType)
    {
        if (version is not { } expected || doc is null)
        {
            return;
        }

        var conflict = versionType switch
        {
            "external" when doc.Version > expected => $"version conflict, current version [{doc.Version}] is higher than the one provided [{expected}]",
            "internal" when doc.Version != expected => $"version conflict, current version [{doc.Version}] is different than the one provided [{expected}]",
            _ => null,
        };
        if (conflict is not null)
        {
            throw Errors.VersionConflict(index.Name, index.Uuid, id, conflict);
        }
    }

    /// <summary>GetResult.toXContent: metadata, found, then the (filtered) source.</summary>
    public static void WriteGetResult(Utf8JsonWriter w, EsIndex index, string id, StoredDoc? doc, SourceFilter filter)
    {
        w.WriteStartObject();
        w.WriteString("_index", index.Name);
        w.WriteString("_id", id);
        if (doc is not null)
        {
            w.WriteNumber("_version", doc.Version);
            w.WriteNumber("_seq_no", doc.SeqNo);
            w.WriteNumber("_primary_term", StoredDoc.PrimaryTerm);
            if (doc.Routing is { } routing)
            {
                w.WriteString("_routing", routing);
            }

            if (doc.Ignored.Count > 0)
            {
                w.WritePropertyName("_ignored");
                JsonOut.WriteValue(w, doc.Ignored);
            }
        }

        w.WriteBoolean("found", doc is not null);
        if (doc is not null)
        {
            filter.WriteSource(w, index, doc.Source);
        }

        w.WriteEndObject();
    }
}
