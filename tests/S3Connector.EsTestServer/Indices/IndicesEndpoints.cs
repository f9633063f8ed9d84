using System.Text.Json;
using S3Connector.EsTestServer.Cluster;
using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices.Mapping;

namespace S3Connector.EsTestServer.Indices;

/// <summary>Index management: create, exists, get, delete, mappings and refresh.</summary>
internal static class IndicesEndpoints
{
    private static readonly string[] ResolveParameters = ["allow_no_indices", "expand_wildcards", "ignore_unavailable"];

    public static void Map(Router router, ClusterState cluster)
    {
        router.Map("PUT", "/{index}", r => Create(cluster, r), "master_timeout", "timeout", "wait_for_active_shards");
        router.Map("HEAD", "/{index}", r => Exists(cluster, r), [.. ResolveParameters, "flat_settings", "include_defaults", "local"]);
        router.Map("GET", "/{index}", r => Get(cluster, r), [.. ResolveParameters, "flat_settings", "include_defaults", "local", "master_timeout", "features"]);
        router.Map("DELETE", "/{index}", r => Delete(cluster, r), [.. ResolveParameters, "master_timeout", "timeout"]);
        router.Map("GET", "/_mapping", r => GetMapping(cluster, r, null), [.. ResolveParameters, "local", "master_timeout"]);
        router.Map("GET", "/{index}/_mapping", r => GetMapping(cluster, r, r.Route("index")), [.. ResolveParameters, "local", "master_timeout"]);
        router.Map("PUT|POST", "/{index}/_mapping", r => PutMapping(cluster, r), [.. ResolveParameters, "master_timeout", "timeout", "write_index_only"]);
        router.Map("GET", "/_settings", r => GetSettings(cluster, r, null), [.. ResolveParameters, "flat_settings", "include_defaults", "local", "master_timeout"]);
        router.Map("GET", "/{index}/_settings", r => GetSettings(cluster, r, r.Route("index")), [.. ResolveParameters, "flat_settings", "include_defaults", "local", "master_timeout"]);
        router.Map("PUT", "/{index}/_settings", r => PutSettings(cluster, r), [.. ResolveParameters, "flat_settings", "master_timeout", "preserve_existing", "reopen", "timeout"]);
        router.Map("GET|POST", "/_refresh", r => Refresh(cluster, r, null), ResolveParameters);
        router.Map("GET|POST", "/{index}/_refresh", r => Refresh(cluster, r, r.Route("index")), ResolveParameters);
    }

    private static Task<EsResponse> Create(ClusterState cluster, EsRequest request)
    {
        var name = request.Route("index");
        JsonElement? settings = null;
        var mapping = RootMapping.Empty;
        using var document = request.Json();
        if (document is not null)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Errors.ParseException("Failed to derive xcontent");
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "settings":
                        settings = property.Value;
                        break;
                    case "mappings":
                        mapping = ParseMappingForCreate(property.Value);
                        break;
                    case "aliases" when property.Value.ValueKind == JsonValueKind.Object && !property.Value.EnumerateObject().Any():
                        break;
                    case "aliases":
                        throw Errors.Unsupported("index aliases");
                    default:
                        throw Errors.ParseException($"unknown key [{property.Name}] for create index");
                }
            }
        }

        IndexNames.Validate(name);
        var parsedSettings = IndexSettings.Parse(settings);
        if (mapping.TotalFieldCount > parsedSettings.TotalFieldsLimit)
        {
            throw Errors.IllegalArgument($"Limit of total fields [{parsedSettings.TotalFieldsLimit}] has been exceeded");
        }

        cluster.Create(name, parsedSettings, mapping);
        return Task.FromResult(EsResponse.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("acknowledged", true);
            w.WriteBoolean("shards_acknowledged", true);
            w.WriteString("index", name);
            w.WriteEndObject();
        }));
    }

    /// <summary>Create index reports mapping errors wrapped in "Failed to parse mapping".</summary>
    private static RootMapping ParseMappingForCreate(JsonElement mappings)
    {
        try
        {
            return MappingParser.ParseRoot(mappings);
        }
        catch (EsException e) when (e.Type == "mapper_parsing_exception")
        {
            throw MappingParser.MapperParsing($"Failed to parse mapping: {e.Reason}", e);
        }
    }

    private static Task<EsResponse> Exists(ClusterState cluster, EsRequest request)
    {
        try
        {
            var found = IndexNames.Resolve(cluster, request.Route("index"), request.Bool("ignore_unavailable", false), request.Bool("allow_no_indices", false));
            return Task.FromResult(EsResponse.NoBody(found.Count > 0 ? 200 : 404));
        }
        catch (EsException e) when (e.Status == 404)
        {
            return Task.FromResult(EsResponse.NoBody(404));
        }
    }

    private static Task<EsResponse> Get(ClusterState cluster, EsRequest request)
    {
        var indices = Resolve(cluster, request, request.Route("index"), allowNoIndices: true);
        var flat = request.Bool("flat_settings", false);
        var defaults = request.Bool("include_defaults", false);
        return Task.FromResult(EsResponse.Ok(w =>
        {
            w.WriteStartObject();
            foreach (var index in indices)
            {
                w.WriteStartObject(index.Name);
                w.WriteStartObject("aliases");
                w.WriteEndObject();
                w.WritePropertyName("mappings");
                index.Mapping.WriteTo(w);
                index.Settings.WriteTo(w, index, flat, defaults);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }));
    }

    private static Task<EsResponse> Delete(ClusterState cluster, EsRequest request)
    {
        var expression = request.Route("index");
        // action.destructive_requires_name defaults to true.
        if (expression.Split(',').Any(part => part is "_all" || part.Contains('*', StringComparison.Ordinal)))
        {
            throw Errors.IllegalArgument("Wildcard expressions or all indices are not allowed");
        }

        foreach (var index in Resolve(cluster, request, expression, allowNoIndices: true))
        {
            cluster.Delete(index);
        }

        return Task.FromResult(EsResponse.Acknowledged());
    }

    private static Task<EsResponse> GetMapping(ClusterState cluster, EsRequest request, string? expression)
    {
        var indices = Resolve(cluster, request, expression, allowNoIndices: true);
        return Task.FromResult(EsResponse.Ok(w =>
        {
            w.WriteStartObject();
            foreach (var index in indices)
            {
                w.WriteStartObject(index.Name);
                w.WritePropertyName("mappings");
                index.Mapping.WriteTo(w);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }));
    }

    private static Task<EsResponse> PutMapping(ClusterState cluster, EsRequest request)
    {
        using var document = request.RequiredJson();
        var update = MappingParser.ParseRoot(document.RootElement);
        var indices = Resolve(cluster, request, request.Route("index"), allowNoIndices: false);
        foreach (var index in indices)
        {
            lock (index.SyncRoot)
            {
                var merged = MappingMerger.MergeRoot(index.Mapping, update);
                if (merged.TotalFieldCount > index.Settings.TotalFieldsLimit)
                {
                    throw Errors.IllegalArgument($"Limit of total fields [{index.Settings.TotalFieldsLimit}] has been exceeded");
                }

                index.Mapping = merged;
            }
        }

        return Task.FromResult(EsResponse.Acknowledged());
    }

    private static Task<EsResponse> GetSettings(ClusterState cluster, EsRequest request, string? expression)
    {
        var indices = Resolve(cluster, request, expression, allowNoIndices: true);
        var flat = request.Bool("flat_settings", false);
        var defaults = request.Bool("include_defaults", false);
        return Task.FromResult(EsResponse.Ok(w =>
        {
            w.WriteStartObject();
            foreach (var index in indices)
            {
                w.WriteStartObject(index.Name);
                index.Settings.WriteTo(w, index, flat, defaults);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }));
    }

    private static Task<EsResponse> PutSettings(ClusterState cluster, EsRequest request)
    {
        using var document = request.RequiredJson();
        var indices = Resolve(cluster, request, request.Route("index"), allowNoIndices: false);
        var updated = indices.Select(index => (index, Settings: index.Settings.Update(document.RootElement, index))).ToList();
        foreach (var (index, settings) in updated)
        {
            index.Settings = settings;
        }

        return Task.FromResult(EsResponse.Acknowledged());
    }

    private static Task<EsResponse> Refresh(ClusterState cluster, EsRequest request, string? expression)
    {
        var indices = Resolve(cluster, request, expression, allowNoIndices: true);
        foreach (var index in indices)
        {
            index.Refresh();
        }

        return Task.FromResult(EsResponse.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("_shards");
            w.WriteNumber("total", indices.Sum(i => i.Settings.NumberOfShards * i.ShardCopies));
            w.WriteNumber("successful", indices.Sum(i => i.Settings.NumberOfShards));
            w.WriteNumber("failed", 0);
            w.WriteEndObject();
            w.WriteEndObject();
        }));
    }

    private static List<EsIndex> Resolve(ClusterState cluster, EsRequest request, string? expression, bool allowNoIndices) =>
        IndexNames.Resolve(cluster, expression, request.Bool("ignore_unavailable", false), request.Bool("allow_no_indices", allowNoIndices));
}
