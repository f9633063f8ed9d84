using System.Globalization;

namespace S3Connector.EsTestServer.Http;

/// <summary>Factories for the Elasticsearch errors this server produces, with ES's exact reason texts.</summary>
internal static class Errors
{
    public static EsException IllegalArgument(string reason) => new(400, "illegal_argument_exception", reason);

    /// <summary>A feature ES has but this server does not emulate: fail loudly rather than answer wrongly.</summary>
    public static EsException Unsupported(string what) =>
        IllegalArgument($"[es-test-server] {what} is not supported by this test server");

    public static EsException IndexNotFound(string index) =>
        new EsException(404, "index_not_found_exception", $"no such index [{index}]")
            .With("resource.type", "index_or_alias").With("resource.id", index)
            .With("index_uuid", "_na_").With("index", index);

    public static EsException Validation(params string[] problems) =>
        new(400, "action_request_validation_exception",
            "Validation Failed: " + string.Concat(problems.Select((p, i) => $"{i + 1}: {p};")));

    public static EsException Parsing(string reason, JsonPosition? at) =>
        WithPosition(new EsException(400, "parsing_exception", reason), at);

    public static EsException XContentParse(string reason, JsonPosition? at) =>
        new(400, "x_content_parse_exception", at is { } p ? $"[{p}] {reason}" : reason);

    public static EsException ParseException(string reason) => new(400, "parse_exception", reason);

    public static EsException VersionConflict(string index, string indexUuid, string id, string reason) =>
        new EsException(409, "version_conflict_engine_exception", $"[{id}]: {reason}")
            .With("index_uuid", indexUuid).With("shard", "0").With("index", index);

    public static EsException DocumentMissing(string index, string indexUuid, string id) =>
        new EsException(404, "document_missing_exception", $"[{id}]: document missing")
            .With("index_uuid", indexUuid).With("shard", "0").With("index", index);

    public static EsException ResourceNotFound(string reason) => new(404, "resource_not_found_exception", reason);

    public static EsException QueryShard(string index, string indexUuid, string reason, EsException? cause = null) =>
        new EsException(400, "query_shard_exception", reason, cause).With("index_uuid", indexUuid).With("index", index);

    /// <summary>A Java exception in a caused_by chain (never reported as a root cause).</summary>
    public static EsException Java(string type, string reason, EsException? cause = null) =>
        new(400, type, reason, cause) { IsJavaException = true };

    public static EsException NumberFormat(string input) =>
        Java("number_format_exception", $"For input string: \"{input}\"");

    public static EsException RequestBodyRequired() => ParseException("request body is required");

    private static EsException WithPosition(EsException e, JsonPosition? at)
    {
        if (at is { } p)
        {
            e.With("line", p.Line).With("col", p.Column);
        }

        return e;
    }
}

/// <summary>A 1-based line/column in a request body, as Jackson reports it.</summary>
internal readonly record struct JsonPosition(int Line, int Column)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Line}:{Column}");
}
