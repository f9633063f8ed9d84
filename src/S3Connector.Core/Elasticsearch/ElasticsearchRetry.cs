using Elastic.Transport.Products.Elasticsearch;

namespace S3Connector.Core.Elasticsearch;

/// <summary>
/// Retries a request that Elasticsearch answered with "try again" (429, 502-504, no answer). Bookkeeping writes
/// must survive a busy cluster as well as document writes do, or a sync would fail for a transient reason.
/// </summary>
public static class ElasticsearchRetry
{
    public const int MaxAttempts = 6;
    private static readonly TimeSpan InitialDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    public static async Task<T> SendAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken ct)
        where T : ElasticsearchResponse
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await call(ct);
            if (attempt >= MaxAttempts || !ElasticsearchErrors.IsRetryable(response.ApiCallDetails.HttpStatusCode))
            {
                return response;
            }

            await DelayAsync(attempt, ct);
        }
    }

    public static Task DelayAsync(int attempt, CancellationToken ct) =>
        Task.Delay(Backoff.Delay(attempt, InitialDelay, MaxDelay), ct);
}
