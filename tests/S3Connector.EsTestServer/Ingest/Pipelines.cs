using System.Text.Json;
using S3Connector.EsTestServer.Cluster;
using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices;

namespace S3Connector.EsTestServer.Ingest;

/// <summary>
/// Ingest pipelines as storage only: definitions are validated and kept, and writes naming a pipeline fail
/// as in ES when it does not exist, but processors never run (documents are indexed as sent).
/// </summary>
internal static class Pipelines
{
    // Processor types of a default ES 9 distribution (attachment included: the module ships by default).
    private static readonly HashSet<string> ProcessorTypes = new(StringComparer.Ordinal)
    {
        "append", "attachment", "bytes", "circle", "community_id", "convert", "csv", "date", "date_index_name",
        "dissect", "dot_expander", "drop", "enrich", "fail", "fingerprint", "foreach", "geo_grid", "geoip", "grok",
        "gsub", "html_strip", "inference", "ip_location", "join", "json", "kv", "lowercase", "network_direction",
        "pipeline", "redact", "registered_domain", "remove", "rename", "reroute", "script", "set",
        "set_security_user", "sort", "split", "terminate", "trim", "uppercase", "urldecode", "uri_parts", "user_agent",
    };

    private static readonly HashSet<string> TopLevelKeys = new(StringComparer.Ordinal)
    {
        "description", "processors", "on_failure", "version", "_meta", "deprecated", "field_access_pattern",
    };

    public static void Map(Router router, ClusterState cluster)
    {
        router.Map("PUT", "/_ingest/pipeline/{id}", r => Put(cluster, r), "master_timeout", "timeout", "if_version");
        router.Map("GET", "/_ingest/pipeline/{id}", r => Get(cluster, r.Route("id")), "master_timeout", "summary");
        router.Map("GET", "/_ingest/pipeline", r => Get(cluster, null), "master_timeout", "summary");
        router.Map("DELETE", "/_ingest/pipeline/{id}", r => Delete(cluster, r.Route("id")), "master_timeout", "timeout");
    }

    /// <summary>
    /// Checks the pipelines a write would run (the request's, else the index's default_pipeline, plus its
    /// final_pipeline); returns whether any applies, which makes bulk report ingest_took.
    /// </summary>
    public static bool Check(ClusterState cluster, EsIndex? index, string? requested)
    {
        var used = false;
        foreach (var pipeline in new[] { requested ?? index?.Settings.DefaultPipeline, index?.Settings.FinalPipeline })
        {
            if (pipeline is null or "_none")
            {
                continue;
            }

            if (!cluster.Pipelines.ContainsKey(pipeline))
            {
                throw Errors.IllegalArgument($"pipeline with id [{pipeline}] does not exist");
            }

            used = true;
        }

        return used;
    }

    private static Task<EsResponse> Put(ClusterState cluster, EsRequest request)
    {
        using var document = request.RequiredJson();
        var body = document.RootElement;
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw Errors.ParseException("[processors] required property is missing");
        }

        foreach (var property in body.EnumerateObject())
        {
            if (!TopLevelKeys.Contains(property.Name))
            {
                throw Errors.ParseException($"pipeline [{request.Route("id")}] doesn't support one or more provided configuration parameters [{property.Name}]");
            }
        }

        if (!body.TryGetProperty("processors", out var processors))
        {
            throw Errors.ParseException("[processors] required property is missing").With("property_name", "processors");
        }

        ValidateProcessors(processors);
        if (body.TryGetProperty("on_failure", out var onFailure))
        {
            ValidateProcessors(onFailure);
        }

        cluster.Pipelines[request.Route("id")] = body.Clone();
        return Task.FromResult(EsResponse.Acknowledged());
    }

    private static void ValidateProcessors(JsonElement processors)
    {
        if (processors.ValueKind != JsonValueKind.Array)
        {
            throw Errors.ParseException("[processors] property isn't a list, but of type [" + JsonIn.TokenName(processors.ValueKind) + "]");
        }

        foreach (var processor in processors.EnumerateArray())
        {
            if (processor.ValueKind != JsonValueKind.Object)
            {
                throw Errors.ParseException("processor must be an object");
            }

            foreach (var type in processor.EnumerateObject())
            {
                if (!ProcessorTypes.Contains(type.Name))
                {
                    throw Errors.ParseException($"No processor type exists with name [{type.Name}]").With("processor_type", type.Name);
                }

                if (type.Value.ValueKind == JsonValueKind.Object && type.Value.TryGetProperty("on_failure", out var nested))
                {
                    ValidateProcessors(nested);
                }
            }
        }
    }

    private static Task<EsResponse> Get(ClusterState cluster, string? ids)
    {
        var selected = cluster.Pipelines
            .Where(p => ids is null || ids.Split(',').Any(pattern => IndexNames.Glob(pattern, p.Key)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ToList();

        // ES answers a lookup that finds nothing with 404 and an empty object.
        return Task.FromResult(EsResponse.Json(selected.Count == 0 ? 404 : 200, w =>
        {
            w.WriteStartObject();
            foreach (var (id, definition) in selected)
            {
                w.WritePropertyName(id);
                definition.WriteTo(w);
            }

            w.WriteEndObject();
        }));
    }

    private static Task<EsResponse> Delete(ClusterState cluster, string id) =>
        cluster.Pipelines.TryRemove(id, out _)
            ? Task.FromResult(EsResponse.Acknowledged())
            : throw Errors.ResourceNotFound($"pipeline [{id}] is missing");
}
