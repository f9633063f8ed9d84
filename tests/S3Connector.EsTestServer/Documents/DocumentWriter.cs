using System.Text.Json;
using System.Text.Json.Nodes;
using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices;

namespace S3Connector.EsTestServer.Documents;

/// <summary>
/// The engine side of index, create, update and delete: version and seq_no checks with ES's conflict texts,
/// tombstones for deletes, dynamic mapping updates, and one seq_no per successful operation (deletes of missing
/// documents included, no-op updates excluded). Each operation is atomic under the index lock.
/// </summary>
internal static class DocumentWriter
{
    private const long NotFound = -1;

    public static WriteResult Index(EsIndex index, string? id, byte[] source, WriteOptions options, bool create)
    {
        var autoId = id is null;
        id ??= WriteOptions.NewId();
        lock (index.SyncRoot)
        {
            CheckRouting(index, id, options);
            // Mapping errors are reported before version conflicts, as the engine parses first.
            var parsed = DocumentParser.Parse(index.Mapping, source, id, index.Settings.TotalFieldsLimit);
            var live = index.Live(id);
            var tombstone = index.TombstoneOf(id);
            if (!autoId)
            {
                CheckConcurrency(index, id, options, live, tombstone, create);
            }

            var version = autoId ? 1 : NextVersion(options, live, tombstone);
            return Store(index, id, source, parsed, version, options.Routing, live is null ? "created" : "updated");
        }
    }

    public static WriteResult Update(EsIndex index, string id, UpdateSpec spec, WriteOptions options)
    {
        lock (index.SyncRoot)
        {
            CheckRouting(index, id, options);
            var live = index.Live(id);
            if (live is null)
            {
                var upsert = spec.DocAsUpsert ? spec.Doc : spec.Upsert;
                if (upsert is null)
                {
                    throw Errors.DocumentMissing(index.Name, index.Uuid, id);
                }

                // Read once: the tombstone may expire between two reads.
                var tombstone = index.TombstoneOf(id);
                CheckConcurrency(index, id, options, live, tombstone, create: false);
                var source = JsonSerializer.SerializeToUtf8Bytes(upsert);
                var parsedUpsert = DocumentParser.Parse(index.Mapping, source, id, index.Settings.TotalFieldsLimit);
                var version = NextVersion(options, null, tombstone);
                return Store(index, id, source, parsedUpsert, version, options.Routing, "created");
            }

            CheckConcurrency(index, id, options, live, null, create: false);
            var merged = JsonNode.Parse(live.Source) as JsonObject
                ?? throw Errors.IllegalArgument("the existing document source is not an object");
            var modified = Merge(merged, spec.Doc!, spec.DetectNoop);
            if (!modified && spec.DetectNoop)
            {
                return new WriteResult(index, id, live.Version, "noop", live.SeqNo);
            }

            var mergedSource = JsonSerializer.SerializeToUtf8Bytes(merged);
            var parsed = DocumentParser.Parse(index.Mapping, mergedSource, id, index.Settings.TotalFieldsLimit);
            return Store(index, id, mergedSource, parsed, live.Version + 1, options.Routing ?? live.Routing, "updated");
        }
    }

    public static WriteResult Delete(EsIndex index, string id, WriteOptions options)
    {
        lock (index.SyncRoot)
        {
            CheckRouting(index, id, options);
            var live = index.Live(id);
            var tombstone = index.TombstoneOf(id);
            CheckConcurrency(index, id, options, live, tombstone, create: false);
            var version = NextVersion(options, live, tombstone);
            var seqNo = index.NextSeqNo();
            index.Delete(id, new Tombstone(version, seqNo, System.Diagnostics.Stopwatch.GetTimestamp()));
            return new WriteResult(index, id, version, live is null ? "not_found" : "deleted", seqNo);
        }
    }

    private static WriteResult Store(EsIndex index, string id, byte[] source, ParsedDocument parsed, long version, string? routing, string result)
    {
        if (parsed.UpdatedMapping is { } mapping)
        {
            index.Mapping = mapping;
        }

        var seqNo = index.NextSeqNo();
        index.Put(new StoredDoc
        {
            Id = id,
            Source = source,
            Version = version,
            SeqNo = seqNo,
            Routing = routing,
            Fields = parsed.Fields,
            Ignored = parsed.Ignored,
        });
        return new WriteResult(index, id, version, result, seqNo);
    }

    private static void CheckRouting(EsIndex index, string id, WriteOptions options)
    {
        if (options.Routing is null && index.Mapping.RoutingRequired)
        {
            throw new EsException(400, "routing_missing_exception", $"routing is required for [{index.Name}]/[{id}]")
                .With("index_uuid", index.Uuid).With("index", index.Name);
        }
    }

    /// <summary>InternalEngine's compare-and-set check, then VersionType.isVersionConflictForWrites.</summary>
    private static void CheckConcurrency(EsIndex index, string id, WriteOptions options, StoredDoc? live, Tombstone? tombstone, bool create)
    {
        if (options.IfSeqNo is { } seqNo)
        {
            var term = options.IfPrimaryTerm ?? 0;
            var required = $"version conflict, required seqNo [{seqNo}], primary term [{term}]. ";
            if (live is null)
            {
                throw Errors.VersionConflict(index.Name, index.Uuid, id, required + "but no document was found");
            }

            if (live.SeqNo != seqNo || StoredDoc.PrimaryTerm != term)
            {
                throw Errors.VersionConflict(index.Name, index.Uuid, id,
                    required + $"current document has seqNo [{live.SeqNo}] and primary term [{StoredDoc.PrimaryTerm}]");
            }
        }

        var current = live?.Version ?? tombstone?.Version ?? NotFound;
        string? conflict = options.VersionType switch
        {
            "external" when current != NotFound && current >= options.Version =>
                $"version conflict, current version [{current}] is higher or equal to the one provided [{options.Version}]",
            "external_gte" when current != NotFound && current > options.Version =>
                $"version conflict, current version [{current}] is higher than the one provided [{options.Version}]",
            "internal" when create && live is not null =>
                $"version conflict, document already exists (current version [{live.Version}])",
            _ => null,
        };
        if (conflict is not null)
        {
            throw Errors.VersionConflict(index.Name, index.Uuid, id, conflict);
        }
    }

    /// <summary>External versions are taken as given; internal ones continue from the live doc or its tombstone.</summary>
    private static long NextVersion(WriteOptions options, StoredDoc? live, Tombstone? tombstone)
    {
        if (options.IsExternal)
        {
            return options.Version!.Value;
        }

        var current = live?.Version ?? tombstone?.Version ?? NotFound;
        return current == NotFound ? 1 : current + 1;
    }

    /// <summary>XContentHelper.update: objects merge recursively, anything else replaces; reports whether anything changed.</summary>
    private static bool Merge(JsonObject source, JsonObject changes, bool checkUnequal)
    {
        var modified = false;
        foreach (var (key, change) in changes)
        {
            if (!source.TryGetPropertyValue(key, out var old))
            {
                source[key] = change?.DeepClone();
                modified = true;
                continue;
            }

            if (old is JsonObject oldObject && change is JsonObject changeObject)
            {
                modified |= Merge(oldObject, changeObject, checkUnequal && !modified);
                continue;
            }

            source[key] = change?.DeepClone();
            if (!modified)
            {
                modified = !checkUnequal || !JsonNode.DeepEquals(old, change);
            }
        }

        return modified;
    }
}

/// <summary>The body of an update request (partial doc, upsert); scripts are not supported.</summary>
internal sealed record UpdateSpec(JsonObject? Doc, JsonObject? Upsert, bool DocAsUpsert, bool DetectNoop)
{
    public static UpdateSpec Parse(JsonElement body, BodyContext context)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw context.XContent("[UpdateRequest] Expected START_OBJECT");
        }

        JsonObject? doc = null, upsert = null;
        bool docAsUpsert = false, detectNoop = true;
        foreach (var property in body.EnumerateObject())
        {
            using var scope = context.Enter(property.Name);
            switch (property.Name)
            {
                case "doc":
                    doc = AsObject(property.Value, context, "doc");
                    break;
                case "upsert":
                    upsert = AsObject(property.Value, context, "upsert");
                    break;
                case "doc_as_upsert":
                    docAsUpsert = property.Value.ValueKind == JsonValueKind.True;
                    break;
                case "detect_noop":
                    detectNoop = property.Value.ValueKind != JsonValueKind.False;
                    break;
                case "script" or "scripted_upsert" or "_source" or "fields":
                    throw Errors.Unsupported($"[{property.Name}] in update requests");
                default:
                    throw context.XContent($"[UpdateRequest] unknown field [{property.Name}]");
            }
        }

        if (doc is null)
        {
            throw Errors.Validation(docAsUpsert ? "doc must be specified if doc_as_upsert is enabled" : "script or doc is missing");
        }

        return new UpdateSpec(doc, upsert, docAsUpsert, detectNoop);
    }

    private static JsonObject AsObject(JsonElement value, BodyContext context, string field) =>
        JsonNode.Parse(value.GetRawText()) as JsonObject
        ?? throw context.XContent($"[UpdateRequest] failed to parse field [{field}]");
}
