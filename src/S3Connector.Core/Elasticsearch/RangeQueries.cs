using System.Buffers;
using System.Text.Json;
using Elastic.Transport;
using S3Connector.Core.Documents;
using S3Connector.Core.Sync;

namespace S3Connector.Core.Elasticsearch;

/// <summary>
/// The request bodies that find a range's documents and the documents outside every scope, written with
/// <see cref="Utf8JsonWriter"/> and read with <see cref="JsonDocument"/> (no reflection, safe under Native AOT).
/// <c>filename</c> is a keyword, which Elasticsearch ranges and sorts by UTF-8 bytes: S3's key order.
/// </summary>
internal static class RangeQueries
{
    public static byte[] Search(string bucket, KeyRange range, string? searchAfter, int size)
    {
        return Json(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("size", size);
            w.WriteBoolean("track_total_hits", false);
            w.WriteStartArray("_source");
            w.WriteStringValue("filename");
            w.WriteStringValue(S3Document.FingerprintField);
            w.WriteEndArray();
            w.WriteStartArray("sort");
            w.WriteStartObject();
            w.WriteString("filename", "asc");
            w.WriteEndObject();
            w.WriteEndArray();
            if (searchAfter is not null)
            {
                w.WriteStartArray("search_after");
                w.WriteStringValue(searchAfter);
                w.WriteEndArray();
            }

            w.WritePropertyName("query");
            w.WriteStartObject();
            w.WriteStartObject("bool");
            w.WriteStartArray("filter");
            WriteScope(w, bucket, range.Prefix);
            if (range.After is not null || range.Until is not null)
            {
                w.WriteStartObject();
                w.WriteStartObject("range");
                w.WriteStartObject("filename");
                if (range.After is not null)
                {
                    w.WriteString("gt", range.After);
                }

                if (range.Until is not null)
                {
                    w.WriteString("lte", range.Until);
                }

                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    /// <summary>A query matching every document that no scope covers.</summary>
    public static byte[] OutsideScopes(IReadOnlyList<ListingScope> scopes) => Json(w =>
    {
        w.WriteStartObject();
        w.WritePropertyName("query");
        w.WriteStartObject();
        w.WriteStartObject("bool");
        w.WriteStartArray("must_not");
        foreach (var scope in scopes)
        {
            w.WriteStartObject();
            w.WriteStartObject("bool");
            w.WriteStartArray("filter");
            WriteScope(w, scope.Bucket, scope.Prefix);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    });

    /// <summary>The filters of one bucket and prefix (a term on <c>bucket</c>, a prefix on <c>filename</c>).</summary>
    private static void WriteScope(Utf8JsonWriter w, string bucket, string prefix)
    {
        w.WriteStartObject();
        w.WriteStartObject("term");
        w.WriteString("bucket", bucket);
        w.WriteEndObject();
        w.WriteEndObject();
        if (prefix.Length > 0)
        {
            w.WriteStartObject();
            w.WriteStartObject("prefix");
            w.WriteString("filename", prefix);
            w.WriteEndObject();
            w.WriteEndObject();
        }
    }

    public static List<IndexedObject> ParseHits(BytesResponse response, string what)
    {
        ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, what);
        using var document = Parse(response, what);
        var hits = new List<IndexedObject>();
        foreach (var hit in document.RootElement.GetProperty("hits").GetProperty("hits").EnumerateArray())
        {
            var source = hit.GetProperty("_source");
            hits.Add(new IndexedObject(
                hit.GetProperty("_id").GetString()!,
                source.TryGetProperty("filename", out var filename) ? filename.GetString() ?? "" : "",
                source.TryGetProperty(S3Document.FingerprintField, out var fingerprint) && fingerprint.ValueKind == JsonValueKind.String
                    ? fingerprint.GetString()
                    : null));
        }

        return hits;
    }

    /// <summary>The task id Elasticsearch answers a request sent with <c>wait_for_completion=false</c>.</summary>
    public static string ParseTaskId(BytesResponse response, string what)
    {
        ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, what);
        using var document = Parse(response, what);
        return document.RootElement.TryGetProperty("task", out var task) && task.GetString() is { Length: > 0 } id
            ? id
            : throw new ElasticsearchException($"Elasticsearch answered the {what} without a task id.");
    }

    /// <summary>
    /// A delete-by-query task's outcome from <c>GET _tasks/ID</c>: the documents it deleted, or null while it runs.
    /// </summary>
    public static long? ParseDeleteTask(BytesResponse response, string what)
    {
        ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, what);
        using var document = Parse(response, what);
        var root = document.RootElement;
        if (!root.TryGetProperty("completed", out var completed) || !completed.GetBoolean())
        {
            return null;
        }

        if (root.TryGetProperty("error", out var error))
        {
            var reason = error.TryGetProperty("reason", out var r) ? r.GetString() : error.ToString();
            throw new ElasticsearchException($"The {what} failed: {reason}");
        }

        return root.TryGetProperty("response", out var result) ? Deleted(result, what) : 0;
    }

    public static long ParseDeleted(BytesResponse response, string what)
    {
        ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, what);
        using var document = Parse(response, what);
        return Deleted(document.RootElement, what);
    }

    private static long Deleted(JsonElement root, string what)
    {
        if (root.TryGetProperty("failures", out var failures) && failures.ValueKind == JsonValueKind.Array && failures.GetArrayLength() > 0)
        {
            var first = failures[0];
            var reason = first.TryGetProperty("cause", out var cause) && cause.TryGetProperty("reason", out var r) ? r.GetString() : first.ToString();
            throw new ElasticsearchException($"The {what} failed for {failures.GetArrayLength()} documents: {reason}");
        }

        return root.TryGetProperty("deleted", out var deleted) ? deleted.GetInt64() : 0;
    }

    private static JsonDocument Parse(BytesResponse response, string what)
    {
        try
        {
            return JsonDocument.Parse(response.Body ?? []);
        }
        catch (JsonException e)
        {
            throw new ElasticsearchException($"Elasticsearch answered the {what} with a body that is not JSON.", e);
        }
    }

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
