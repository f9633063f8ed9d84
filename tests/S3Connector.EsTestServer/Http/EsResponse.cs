using System.Text.Json;
using Microsoft.Extensions.Primitives;

namespace S3Connector.EsTestServer.Http;

/// <summary>A response a handler produced: status plus a JSON body writer (null for bodiless answers such as HEAD).</summary>
internal sealed class EsResponse(int status, Action<Utf8JsonWriter>? body)
{
    public int Status { get; } = status;

    public Action<Utf8JsonWriter>? Body { get; } = body;

    public Dictionary<string, StringValues> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public static EsResponse Json(int status, Action<Utf8JsonWriter> body) => new(status, body);

    public static EsResponse Ok(Action<Utf8JsonWriter> body) => new(200, body);

    public static EsResponse NoBody(int status) => new(status, null);

    public static EsResponse Acknowledged() => Ok(w =>
    {
        w.WriteStartObject();
        w.WriteBoolean("acknowledged", true);
        w.WriteEndObject();
    });

    /// <summary>The flat <c>{"error":"...","status":N}</c> form ES uses for routing-level failures.</summary>
    public static EsResponse FlatError(int status, string message, bool includeStatus = true) => new(status, w =>
    {
        w.WriteStartObject();
        w.WriteString("error", message);
        if (includeStatus)
        {
            w.WriteNumber("status", status);
        }

        w.WriteEndObject();
    });

    public static EsResponse Error(EsException e) => new(e.Status, e.WriteResponse);
}
