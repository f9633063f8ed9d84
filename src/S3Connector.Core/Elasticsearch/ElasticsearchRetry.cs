using Elastic.Clients.Elasticsearch;
using Elastic.Transport;
using S3Connector.Core.Retries;

namespace S3Connector.Core.Elasticsearch;

/// <summary>
/// Retries a request that Elasticsearch answered with "try again" (429, 502-504, no answer). Bookkeeping writes
/// must survive a busy cluster as well as document writes do, or a sync would fail for a transient reason.
/// </summary>
public static class ElasticsearchRetry
{
    public static async Task<T> SendAsync<T>(this RetryPolicy policy, Func<CancellationToken, Task<T>> call, CancellationToken ct)
        where T : TransportResponse
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await call(ct);
            if (attempt >= RetryPolicy.MaxAttempts || !ElasticsearchErrors.IsRetryable(response.ApiCallDetails.HttpStatusCode))
            {
                return response;
            }

            await policy.DelayAsync(attempt, ct);
        }
    }

    /// <summary>A request whose body the connector wrote itself (NDJSON, hand-built queries), retried the same way.</summary>
    public static Task<BytesResponse> SendRawAsync(
        this RetryPolicy policy, ElasticsearchClient client, Elastic.Transport.HttpMethod method, string path, byte[] body, string contentType,
        CancellationToken ct)
    {
        var configuration = new RequestConfiguration { ContentType = contentType, Accept = "application/json" };
        return policy.SendAsync(c => client.Transport.RequestAsync<BytesResponse>(method, path, PostData.ReadOnlyMemory(body), configuration, c), ct);
    }
}
