using System.Buffers;
using System.Text.Json;
using S3Connector.EsTestServer.Http;

namespace S3Connector.EsTestServer.Faults;

/// <summary>
/// HTTP control for a server running in another process: /_test/faults (GET state, POST to add faults,
/// DELETE to clear) and /_test/requests (GET the recorded requests, DELETE to clear them).
/// These paths bypass authentication, faults and recording.
/// </summary>
/// <remarks>
/// POST body, every field optional:
/// <c>{"reject_bulk_items":3,"reject_bulk_items_with_id":{"id":"doc-1","count":6},"reject_bulk_item_fraction":0.25,"fail_requests":{"count":2,"status":503,"path_contains":"_bulk"},
/// "drop_connections":{"count":1,"path_contains":"_search"},"latency_ms":200,"latency_path_contains":"_bulk"}</c>.
/// </remarks>
internal sealed class FaultControlEndpoint(EsFaults faults, RequestLog log)
{
    public async Task HandleAsync(HttpContext http, string path)
    {
        var method = http.Request.Method;
        try
        {
            switch (path, method)
            {
                case ("/_test/faults", "GET"):
                    await WriteAsync(http, 200, WriteState);
                    break;
                case ("/_test/faults", "POST" or "PUT"):
                    using (var document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted))
                    {
                        Apply(document.RootElement);
                    }

                    await WriteAsync(http, 200, WriteState);
                    break;
                case ("/_test/faults", "DELETE"):
                    faults.Clear();
                    await WriteAsync(http, 200, WriteState);
                    break;
                case ("/_test/requests", "GET"):
                    await WriteAsync(http, 200, WriteRequests);
                    break;
                case ("/_test/requests", "DELETE"):
                    log.Clear();
                    await WriteAsync(http, 200, w =>
                    {
                        w.WriteStartObject();
                        w.WriteBoolean("acknowledged", true);
                        w.WriteEndObject();
                    });
                    break;
                default:
                    await WriteAsync(http, 404, w => Message(w, $"unknown control endpoint [{method} {path}]"));
                    break;
            }
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            await WriteAsync(http, 400, w => Message(w, e.Message));
        }
    }

    private void Apply(JsonElement body)
    {
        foreach (var property in body.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "reject_bulk_items":
                    faults.RejectBulkItems(value.GetInt32());
                    break;
                case "reject_bulk_items_with_id":
                    faults.RejectBulkItemsWithId(value.GetProperty("id").GetString()!, value.GetProperty("count").GetInt32());
                    break;
                case "reject_bulk_item_fraction":
                    faults.RejectBulkItemFraction(value.GetDouble());
                    break;
                case "fail_requests":
                    faults.FailRequests(value.GetProperty("count").GetInt32(), Optional(value, "status")?.GetInt32() ?? 503, Optional(value, "path_contains")?.GetString());
                    break;
                case "drop_connections":
                    faults.DropConnections(value.GetProperty("count").GetInt32(), Optional(value, "path_contains")?.GetString());
                    break;
                case "latency_ms":
                    faults.Latency = TimeSpan.FromMilliseconds(value.GetDouble());
                    break;
                case "latency_path_contains":
                    faults.LatencyPathContains = value.ValueKind == JsonValueKind.Null ? null : value.GetString();
                    break;
                default:
                    throw new ArgumentException($"unknown fault [{property.Name}]");
            }
        }
    }

    private static JsonElement? Optional(JsonElement value, string name) =>
        value.TryGetProperty(name, out var found) && found.ValueKind != JsonValueKind.Null ? found : null;

    private void WriteState(Utf8JsonWriter w)
    {
        var (items, idRejections, fraction, failures, drops) = faults.Pending();
        var counters = faults.Counters;
        w.WriteStartObject();
        w.WriteNumber("reject_bulk_items", items);
        w.WriteStartObject("reject_bulk_items_with_id");
        foreach (var (id, count) in idRejections)
        {
            w.WriteNumber(id, count);
        }

        w.WriteEndObject();
        w.WriteNumber("reject_bulk_item_fraction", fraction);
        w.WriteNumber("latency_ms", faults.Latency.TotalMilliseconds);
        w.WriteString("latency_path_contains", faults.LatencyPathContains);
        w.WriteStartArray("fail_requests");
        foreach (var (remaining, status, pathContains) in failures)
        {
            w.WriteStartObject();
            w.WriteNumber("count", remaining);
            w.WriteNumber("status", status);
            w.WriteString("path_contains", pathContains);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("drop_connections");
        foreach (var (remaining, pathContains) in drops)
        {
            w.WriteStartObject();
            w.WriteNumber("count", remaining);
            w.WriteString("path_contains", pathContains);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("counters");
        w.WriteNumber("bulk_items_rejected", counters.BulkItemsRejected);
        w.WriteNumber("requests_failed", counters.RequestsFailed);
        w.WriteNumber("connections_dropped", counters.ConnectionsDropped);
        w.WriteNumber("requests_delayed", counters.RequestsDelayed);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private void WriteRequests(Utf8JsonWriter w)
    {
        w.WriteStartArray();
        foreach (var request in log.Snapshot())
        {
            w.WriteStartObject();
            w.WriteString("method", request.Method);
            w.WriteString("path", request.Path);
            w.WriteString("query_string", request.QueryString);
            w.WriteNumber("status", request.StatusCode);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void Message(Utf8JsonWriter w, string message)
    {
        w.WriteStartObject();
        w.WriteString("error", message);
        w.WriteEndObject();
    }

    private static async Task WriteAsync(HttpContext http, int status, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, JsonOut.WriterOptions))
        {
            body(writer);
        }

        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=UTF-8";
        http.Response.ContentLength = buffer.WrittenCount;
        await http.Response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted);
    }
}
