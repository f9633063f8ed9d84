using System.Text.Json;

namespace S3Connector.EsTestServer.Http;

/// <summary>
/// An error rendered the way Elasticsearch renders an ElasticsearchException: type, reason, metadata, caused_by.
/// Handlers throw it; the dispatcher turns it into <c>{"error":{...},"status":N}</c>, bulk into an item error.
/// </summary>
internal sealed class EsException : Exception
{
    private readonly List<KeyValuePair<string, object?>> _metadata = [];

    public EsException(int status, string type, string reason, EsException? causedBy = null)
        : base(reason, causedBy)
    {
        Status = status;
        Type = type;
        CausedBy = causedBy;
    }

    public int Status { get; }

    public string Type { get; }

    public string Reason => Message;

    public EsException? CausedBy { get; }

    /// <summary>Search failures list the shard causes as root causes instead of the exception itself.</summary>
    public IReadOnlyList<EsException>? RootCauses { get; init; }

    /// <summary>Extra fields written after the metadata (search's <c>failed_shards</c>).</summary>
    public Action<Utf8JsonWriter>? ExtraFields { get; init; }

    public IReadOnlyList<KeyValuePair<string, object?>> Metadata => _metadata;

    public EsException With(string key, object? value)
    {
        _metadata.Add(new(key, value));
        return this;
    }

    /// <summary>Writes the exception object itself (what bulk items and shard failures embed).</summary>
    public void WriteObject(Utf8JsonWriter w, bool includeCause = true)
    {
        w.WriteStartObject();
        WriteFields(w, includeCause);
        w.WriteEndObject();
    }

    /// <summary>Writes the full top-level error body: <c>{"error":{"root_cause":[...],...},"status":N}</c>.</summary>
    public void WriteResponse(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WritePropertyName("error");
        WriteErrorObject(w);
        w.WriteNumber("status", Status);
        w.WriteEndObject();
    }

    /// <summary>The "error" object with root causes (also what multi-get embeds for a failed item).</summary>
    public void WriteErrorObject(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteStartArray("root_cause");
        foreach (var root in RootCauses ?? [GuessRootCause()])
        {
            root.WriteObject(w, includeCause: false);
        }

        w.WriteEndArray();
        WriteFields(w, includeCause: true);
        w.WriteEndObject();
    }

    // ES reports the deepest cause that is itself an Elasticsearch exception; ours are all such, except the
    // ones marked as plain Java exceptions (caused_by of parsing errors), which never become the root.
    private EsException GuessRootCause()
    {
        var current = this;
        while (current.CausedBy is { IsJavaException: false } next)
        {
            current = next;
        }

        return current;
    }

    /// <summary>True for causes that mirror plain Java exceptions (NumberFormatException, ...).</summary>
    public bool IsJavaException { get; init; }

    private void WriteFields(Utf8JsonWriter w, bool includeCause)
    {
        w.WriteString("type", Type);
        w.WriteString("reason", Reason);
        foreach (var (key, value) in _metadata)
        {
            w.WritePropertyName(key);
            JsonOut.WriteValue(w, value);
        }

        ExtraFields?.Invoke(w);
        if (includeCause && CausedBy is not null)
        {
            w.WritePropertyName("caused_by");
            CausedBy.WriteObject(w);
        }
    }
}
