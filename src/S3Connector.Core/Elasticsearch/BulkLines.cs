using System.Buffers;
using System.Text.Json;
using Elastic.Transport;
using S3Connector.Core.Budgets;
using S3Connector.Core.Documents;
using S3Connector.Core.Json;

namespace S3Connector.Core.Elasticsearch;

/// <summary>One operation of a _bulk body, already serialized: an action line and, for index, the document line.</summary>
internal sealed class BulkLine
{
    private BulkLine(string id, byte[] bytes, bool isDelete, int tag, BudgetHold? hold = null)
    {
        Id = id;
        Bytes = bytes;
        IsDelete = isDelete;
        Tag = tag;
        Hold = hold;
    }

    /// <summary>The memory its write took from the budget: given back once the request holding the line is sent.</summary>
    public BudgetHold? Hold { get; }

    public string Id { get; }
    public byte[] Bytes { get; }
    public bool IsDelete { get; }
    public long Length => Bytes.Length;

    /// <summary>The <see cref="DocumentWrite.Tag"/> it was made from, so a failure finds its write.</summary>
    public int Tag { get; }

    /// <summary>An index operation versioned by the time its object was read (external_gte: equal readings may rewrite).</summary>
    public static BulkLine Index(S3Document document, int tag = 0) =>
        new(document.Id, Write("index", document.Id, document.Version, document), isDelete: false, tag);

    public static BulkLine Delete(string id, DateTimeOffset observedAt, int tag = 0) =>
        new(id, Write("delete", id, observedAt.ToUnixTimeMilliseconds(), null), isDelete: true, tag);

    public static BulkLine From(DocumentWrite write)
    {
        var line = write.Document is { } document ? Index(document, write.Tag) : Delete(write.Id, write.ObservedAt, write.Tag);
        return write.Hold is null ? line : new BulkLine(line.Id, line.Bytes, line.IsDelete, line.Tag, write.Hold);
    }

    private static byte[] Write(string action, string id, long version, S3Document? document)
    {
        // Sized for the content up front: doubling a buffer for a 10 MB attachment would cost three times its line.
        var buffer = new ArrayBufferWriter<byte>(document is null
            ? 128
            : 2048 + (document.Attachment?.Length ?? 0) * 4 / 3 + (document.Body?.Length ?? 0) * 3 / 2);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject(action);
            writer.WriteString("_id", id);
            writer.WriteNumber("version", version);
            writer.WriteString("version_type", "external_gte");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
        if (document is not null)
        {
            using (var writer = new Utf8JsonWriter(buffer))
            {
                JsonSerializer.Serialize(writer, document, ConnectorJson.Default.S3Document);
            }

            buffer.Write("\n"u8);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static ReadOnlyMemory<byte> Body(IReadOnlyList<BulkLine> lines)
    {
        if (lines.Count == 1)
        {
            // A large document fills a request alone: its line is the body, no copy.
            return lines[0].Bytes;
        }

        var body = new byte[lines.Sum(l => l.Bytes.Length)];
        var offset = 0;
        foreach (var line in lines)
        {
            line.Bytes.CopyTo(body, offset);
            offset += line.Bytes.Length;
        }

        return body;
    }
}

/// <summary>The per-item results of a _bulk answer, read with JsonDocument (no reflection, safe under Native AOT).</summary>
internal sealed record BulkItem(int Status, string? ErrorType, string? ErrorReason)
{
}

internal static class BulkItems
{
    /// <returns>The items in request order, or null when the answer has none (the request as a whole failed).</returns>
    public static List<BulkItem>? Parse(BytesResponse response)
    {
        if (!response.ApiCallDetails.HasSuccessfulStatusCode || response.Body is not { Length: > 0 } body)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (!document.RootElement.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var result = new List<BulkItem>(items.GetArrayLength());
            foreach (var item in items.EnumerateArray())
            {
                var operation = item.EnumerateObject().First().Value;
                var status = operation.TryGetProperty("status", out var s) && s.TryGetInt32(out var code) ? code : 0;
                string? type = null, reason = null;
                if (operation.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
                {
                    type = error.TryGetProperty("type", out var t) ? t.GetString() : null;
                    reason = error.TryGetProperty("reason", out var r) ? r.GetString() : null;
                }

                result.Add(new BulkItem(status, type, reason));
            }

            return result;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
