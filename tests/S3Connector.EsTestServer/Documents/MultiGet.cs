using System.Text.Json;
using S3Connector.EsTestServer.Cluster;
using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices;

namespace S3Connector.EsTestServer.Documents;

/// <summary>GET|POST _mget: realtime multi-get; a missing index fails only its own entries.</summary>
internal static class MultiGet
{
    private static readonly string[] Parameters =
    [
        "force_synthetic_source", "preference", "realtime", "refresh", "routing", "_source", "_source_excludes",
        "_source_includes", "stored_fields",
    ];

    public static void Map(Router router, ClusterState cluster)
    {
        router.Map("GET|POST", "/_mget", r => Handle(cluster, r, null), Parameters);
        router.Map("GET|POST", "/{index}/_mget", r => Handle(cluster, r, r.Route("index")), Parameters);
    }

    private static Task<EsResponse> Handle(ClusterState cluster, EsRequest request, string? defaultIndex)
    {
        if (request.Has("stored_fields"))
        {
            throw Errors.Unsupported("the [stored_fields] parameter");
        }

        var defaultFilter = SourceFilter.FromQuery(request) ?? SourceFilter.All;
        var items = ParseItems(request, defaultIndex, defaultFilter);
        var realtime = request.Bool("realtime", true);
        if (request.Bool("refresh", false))
        {
            foreach (var index in items.Select(i => cluster.Find(i.Index)).OfType<EsIndex>().Distinct())
            {
                index.Refresh();
            }
        }
        return Task.FromResult(EsResponse.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("docs");
            foreach (var (index, id, filter) in items)
            {
                var target = cluster.Find(index);
                if (target is null)
                {
                    var error = Errors.IndexNotFound(index);
                    w.WriteStartObject();
                    w.WriteString("_index", index);
                    w.WriteString("_id", id);
                    w.WritePropertyName("error");
                    error.WriteErrorObject(w);
                    w.WriteEndObject();
                    continue;
                }

                var doc = DocumentEndpoints.Lookup(target, id, realtime, refresh: false);
                DocumentEndpoints.WriteGetResult(w, target, id, doc, filter);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }));
    }

    private static List<(string Index, string Id, SourceFilter Filter)> ParseItems(EsRequest request, string? defaultIndex, SourceFilter defaultFilter)
    {
        using var document = request.RequiredJson();
        var context = new BodyContext(request.Body);
        var items = new List<(string, string, SourceFilter)>();
        var problems = new List<string>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            using var scope = context.Enter(property.Name);
            switch (property.Name)
            {
                case "docs" when property.Value.ValueKind == JsonValueKind.Array:
                    var i = 0;
                    foreach (var doc in property.Value.EnumerateArray())
                    {
                        using var item = context.Enter(i);
                        var (index, id, filter) = ParseDoc(doc, context, defaultFilter);
                        index ??= defaultIndex;
                        if (index is null)
                        {
                            problems.Add($"index is missing for doc {i}");
                        }

                        if (id is null)
                        {
                            problems.Add($"id is missing for doc {i}");
                        }

                        items.Add((index ?? string.Empty, id ?? string.Empty, filter));
                        i++;
                    }

                    break;
                case "ids" when property.Value.ValueKind == JsonValueKind.Array:
                    var position = 0;
                    foreach (var id in property.Value.EnumerateArray())
                    {
                        if (defaultIndex is null)
                        {
                            problems.Add($"index is missing for doc {position}");
                        }

                        items.Add((defaultIndex ?? string.Empty, id.ToString(), defaultFilter));
                        position++;
                    }

                    break;
                default:
                    throw Errors.ParseException($"unknown parameter [{property.Name}] in request body or parameter is of the wrong type[{JsonIn.TokenName(property.Value.ValueKind)}] ");
            }
        }

        if (items.Count == 0)
        {
            problems.Add("no documents to get");
        }

        return problems.Count > 0 ? throw Errors.Validation([.. problems]) : items;
    }

    private static (string? Index, string? Id, SourceFilter Filter) ParseDoc(JsonElement doc, BodyContext context, SourceFilter defaultFilter)
    {
        string? index = null, id = null;
        var filter = defaultFilter;
        foreach (var property in doc.EnumerateObject())
        {
            using var scope = context.Enter(property.Name);
            switch (property.Name)
            {
                case "_index": index = property.Value.GetString(); break;
                case "_id": id = property.Value.ToString(); break;
                case "routing" or "_routing": break;
                case "_source": filter = SourceFilter.Parse(property.Value, context); break;
                case "stored_fields" or "version" or "version_type":
                    throw Errors.Unsupported($"[{property.Name}] in _mget documents");
                default:
                    throw Errors.ParseException($"Unknown key for a {JsonIn.TokenName(property.Value.ValueKind)} in [{property.Name}].");
            }
        }

        return (index, id, filter);
    }
}
