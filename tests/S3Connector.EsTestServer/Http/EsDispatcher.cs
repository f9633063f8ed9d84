using System.Buffers;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using S3Connector.EsTestServer.Faults;

namespace S3Connector.EsTestServer.Http;

/// <summary>
/// The HTTP front of the emulated node: faults, API-key security, body reading (size limit, decompression),
/// content-type negotiation, routing, and error rendering. Every answer carries X-Elastic-Product, which
/// the official clients check.
/// </summary>
internal sealed class EsDispatcher(Router router, EsFaults faults, RequestLog log, FaultControlEndpoint control, string? apiKey)
{
    private static readonly string[] SupportedContentTypes =
    [
        "application/json", "application/x-ndjson", "application/vnd.elasticsearch+json", "application/vnd.elasticsearch+x-ndjson",
    ];

    private static readonly JsonSerializerOptions CompactOptions = new() { Encoder = JsonOut.WriterOptions.Encoder };
    private static readonly JsonSerializerOptions PrettyOptions = new() { Encoder = JsonOut.WriterOptions.Encoder, WriteIndented = true };

    // The challenges a default ES security realm chain sends with a 401.
    private static readonly string[] AuthenticateChallenges = ["Basic realm=\"security\", charset=\"UTF-8\"", "Bearer realm=\"security\"", "ApiKey"];

    public async Task HandleAsync(HttpContext http)
    {
        // Captured up front: an aborted connection's request can no longer be read when recording it.
        var method = http.Request.Method;
        var rawTarget = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? http.Request.Path + http.Request.QueryString;
        var queryStart = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart >= 0 ? rawTarget[..queryStart] : rawTarget;
        var queryString = queryStart >= 0 ? rawTarget[queryStart..] : string.Empty;
        if (path.StartsWith("/_test/", StringComparison.Ordinal))
        {
            await control.HandleAsync(http, path);
            return;
        }

        var status = 0;
        try
        {
            await faults.DelayAsync(path, http.RequestAborted);
            if (faults.TryDropConnection(path))
            {
                http.Abort();
                return;
            }

            var response = faults.TryFailRequest(path) is { } injected
                ? InjectedFailure(injected, path)
                : await ProcessAsync(http, method, path, rawTarget);
            status = response.Status;
            await WriteAsync(http, response);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        finally
        {
            log.Add(new EsRecordedRequest(method, path, queryString, status));
        }
    }

    private async Task<EsResponse> ProcessAsync(HttpContext http, string method, string path, string uri)
    {
        var isHead = method == "HEAD";
        try
        {
            if (Authenticate(http.Request, uri) is { } denied)
            {
                return denied;
            }

            byte[] body;
            try
            {
                body = await ReadBodyAsync(http);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                // Like ES's http.max_content_length: 413 with an empty body.
                return EsResponse.NoBody(413);
            }

            if (body.Length > 0 && CheckContentType(http.Request) is { } unsupported)
            {
                return unsupported;
            }

            var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToList();
            var match = router.Match(method, segments);
            if (match.Route is null)
            {
                if (match.AllowedMethods.Count > 0)
                {
                    var notAllowed = EsResponse.FlatError(405, $"Incorrect HTTP method for uri [{uri}] and method [{method}], allowed: [{string.Join(", ", match.AllowedMethods)}]");
                    notAllowed.Headers["Allow"] = string.Join(",", match.AllowedMethods);
                    return notAllowed;
                }

                return EsResponse.FlatError(400, $"no handler found for uri [{uri}] and method [{method}]", includeStatus: false);
            }

            var query = http.Request.Query.ToDictionary(q => q.Key, q => q.Value.LastOrDefault() ?? string.Empty, StringComparer.Ordinal);
            var request = new EsRequest(method, path, uri, query, body);
            match.Route.Bind(request, segments);
            match.Route.ValidateParameters(request);
            if (request.Has("source"))
            {
                throw Errors.Unsupported("the [source] parameter (a request body in the URL)");
            }

            var response = await match.Route.Handler(request);
            return isHead ? new EsResponse(response.Status, null) : response;
        }
        catch (EsException e)
        {
            return isHead ? EsResponse.NoBody(e.Status) : EsResponse.Error(e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"es-test-server: unhandled error for {method} {uri}: {e}");
            var error = new EsException(500, "exception", $"[es-test-server] internal error: {e.Message}");
            return isHead ? EsResponse.NoBody(500) : EsResponse.Error(error);
        }
    }

    private EsResponse? Authenticate(HttpRequest request, string uri)
    {
        if (apiKey is null)
        {
            return null;
        }

        var header = request.Headers.Authorization.ToString();
        if (header == $"ApiKey {apiKey}")
        {
            return null;
        }

        var error = header.Length == 0
            ? new EsException(401, "security_exception", $"missing authentication credentials for REST request [{uri}]")
            : new EsException(401, "security_exception", "unable to authenticate with provided credentials and anonymous access is not allowed for this request");
        using var challenges = JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, string[]> { ["WWW-Authenticate"] = AuthenticateChallenges }));
        var response = EsResponse.Error(error.With("header", challenges.RootElement.Clone()));
        response.Headers["WWW-Authenticate"] = AuthenticateChallenges;
        return response;
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContext http)
    {
        using var raw = new MemoryStream();
        await http.Request.Body.CopyToAsync(raw, http.RequestAborted);
        var encoding = http.Request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
        if (raw.Length == 0 || encoding is "" or "identity")
        {
            return raw.ToArray();
        }

        raw.Position = 0;
        Stream decoder = encoding switch
        {
            "gzip" or "x-gzip" => new GZipStream(raw, CompressionMode.Decompress),
            "deflate" => new ZLibStream(raw, CompressionMode.Decompress),
            "br" => new BrotliStream(raw, CompressionMode.Decompress),
            _ => throw Errors.IllegalArgument($"Unsupported Content-Encoding [{encoding}]"),
        };
        await using (decoder)
        {
            using var plain = new MemoryStream();
            try
            {
                await decoder.CopyToAsync(plain, http.RequestAborted);
            }
            catch (InvalidDataException e)
            {
                throw Errors.IllegalArgument($"Failed to decode request body with Content-Encoding [{encoding}]: {e.Message}");
            }

            return plain.ToArray();
        }
    }

    private static EsResponse? CheckContentType(HttpRequest request)
    {
        var header = request.ContentType;
        if (string.IsNullOrEmpty(header))
        {
            return EsResponse.FlatError(406, "Content-Type header is missing");
        }

        var mediaType = header.Split(';')[0].Trim().ToLowerInvariant();
        if (!SupportedContentTypes.Contains(mediaType))
        {
            return EsResponse.FlatError(406, $"Content-Type header [{header}] is not supported");
        }

        if (CompatibleVersion(header) is { } version && version is not ("8" or "9"))
        {
            var cause = new EsException(400, "status_exception",
                $"A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version and the compatible versions must match. Accept={request.Headers.Accept}, Content-Type={header}");
            return EsResponse.Error(new EsException(400, "media_type_header_exception", "Invalid media-type value on headers [Content-Type, Accept]", cause));
        }

        return null;
    }

    private static string? CompatibleVersion(string mediaType)
    {
        var marker = mediaType.IndexOf("compatible-with=", StringComparison.OrdinalIgnoreCase);
        return marker < 0 ? null : new string(mediaType[(marker + "compatible-with=".Length)..].TakeWhile(char.IsDigit).ToArray());
    }

    private static EsResponse InjectedFailure(int status, string path)
    {
        var error = status switch
        {
            429 => new EsException(429, "es_rejected_execution_exception",
                "rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=0, max_coordinating_and_primary_bytes=0] (injected by es-test-server)"),
            503 => new EsException(503, "unavailable_shards_exception",
                $"[_na][0] primary shard is not active Timeout: [1m], request: [{path}] (injected by es-test-server)"),
            _ => new EsException(status, "exception", "[es-test-server] injected failure"),
        };
        return EsResponse.Error(error);
    }

    private static async Task WriteAsync(HttpContext http, EsResponse response)
    {
        var httpResponse = http.Response;
        httpResponse.StatusCode = response.Status;
        httpResponse.Headers["X-Elastic-Product"] = "Elasticsearch";
        if (http.Request.Headers.TryGetValue("X-Opaque-Id", out var opaqueId))
        {
            // ES echoes the caller's request id so responses can be correlated.
            httpResponse.Headers["X-Opaque-Id"] = opaqueId;
        }

        foreach (var (name, value) in response.Headers)
        {
            httpResponse.Headers[name] = value;
        }

        if (response.Body is null)
        {
            httpResponse.ContentLength = 0;
            return;
        }

        var pretty = http.Request.Query.ContainsKey("pretty") && http.Request.Query["pretty"] != "false";
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, JsonOut.WriterOptions with { Indented = pretty }))
        {
            response.Body(writer);
        }

        ReadOnlyMemory<byte> bytes = buffer.WrittenMemory;
        if (http.Request.Query.TryGetValue("filter_path", out var filter) && !string.IsNullOrEmpty(filter))
        {
            var filtered = FilterPath.Apply(JsonNode.Parse(bytes.Span)!, filter.ToString());
            bytes = JsonSerializer.SerializeToUtf8Bytes(filtered, pretty ? PrettyOptions : CompactOptions);
        }

        httpResponse.ContentType = ResponseContentType(http.Request.Headers.Accept.ToString());
        httpResponse.ContentLength = bytes.Length;
        if (http.Request.Method != "HEAD")
        {
            await httpResponse.Body.WriteAsync(bytes, http.RequestAborted);
        }
    }

    /// <summary>Answers in the versioned media type when the client asked for it (the official clients do).</summary>
    private static string ResponseContentType(string accept) =>
        accept.Contains("application/vnd.elasticsearch+json", StringComparison.OrdinalIgnoreCase)
            ? $"application/vnd.elasticsearch+json;compatible-with={CompatibleVersion(accept) ?? "9"}"
            : "application/json; charset=UTF-8";
}
