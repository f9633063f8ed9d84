using Elastic.Transport;

namespace S3Connector.Core.Elasticsearch;

public sealed class ElasticsearchException(string message, Exception? inner = null) : Exception(message, inner);

public static class ElasticsearchErrors
{
    /// <summary>No status (the connection failed), 429 and the 5xx that mean "try again".</summary>
    public static bool IsRetryable(int? status) => status is null or 0 or 429 or 500 or 502 or 503 or 504;

    public static void ThrowIfFailed(ApiCallDetails details, string what)
    {
        if (!details.HasSuccessfulStatusCode)
        {
            throw new ElasticsearchException(Describe(details, what), details.OriginalException);
        }
    }

    /// <summary>One sentence naming the host and the failure; the URL carries no credentials (they go in headers).</summary>
    public static string Describe(ApiCallDetails details, string what)
    {
        var host = details.Uri is { } uri ? $"{uri.Scheme}://{uri.Authority}" : "Elasticsearch";
        if (details.HttpStatusCode is null or 0)
        {
            if (FindInChain<System.Security.Authentication.AuthenticationException>(details.OriginalException) is { } tls)
            {
                return $"Elasticsearch at {host} is not trusted ({what}): {tls.Message} If the cluster uses its own certificate authority, "
                    + "set elasticsearch.ca_certs (its PEM file) or elasticsearch.ca_fingerprint (its SHA-256 fingerprint).";
            }

            var cause = details.OriginalException?.InnerException?.Message ?? details.OriginalException?.Message ?? "no response";
            return $"Elasticsearch at {host} is unreachable ({what}): {cause}";
        }

        var body = details.ResponseBodyInBytes is { Length: > 0 } bytes
            ? System.Text.Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 300))
            : "";
        return $"Elasticsearch at {host} answered {details.HttpStatusCode} to the {what}{(body.Length > 0 ? ": " + body : "")}";
    }

    private static T? FindInChain<T>(Exception? exception) where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }
}
