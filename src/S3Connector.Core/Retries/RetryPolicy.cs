namespace S3Connector.Core.Retries;

/// <summary>
/// The one backoff for every retry the connector makes itself (Elasticsearch requests and bulk items, jobs-index
/// writes, SQS sends): exponential with jitter, so parallel workers do not retry in step, and waited through a
/// <see cref="TimeProvider"/> so tests can move time. S3 calls are retried by the AWS SDK (<c>max_attempts</c>), and
/// a work unit that still fails is retried by SQS redelivery.
/// </summary>
public sealed class RetryPolicy(TimeProvider time)
{
    public const int MaxAttempts = 6;
    private static readonly TimeSpan InitialDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    /// <summary>For the few static call sites that run once at start-up (index creation).</summary>
    public static readonly RetryPolicy System = new(TimeProvider.System);

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1: between half and all of the exponential ceiling.</summary>
    public static TimeSpan Delay(int attempt)
    {
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, InitialDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }

    public Task DelayAsync(int attempt, CancellationToken ct) => Task.Delay(Delay(attempt), time, ct);
}
