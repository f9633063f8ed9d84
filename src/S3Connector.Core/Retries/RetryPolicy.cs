namespace S3Connector.Core.Retries;

/// <summary>
/// The one backoff for every retry the connector makes itself (Elasticsearch requests and bulk items, jobs-index
/// writes, SQS sends): exponential with jitter, so parallel workers do not retry in step, and waited through a
/// <see cref="TimeProvider"/> so tests can move time. S3 calls are retried by the AWS SDK (<c>max_attempts</c>), and
/// a work unit that still fails is retried by SQS redelivery, after <see cref="RedeliveryDelay"/>.
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

    private static readonly TimeSpan InitialRedelivery = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxRedelivery = TimeSpan.FromMinutes(15);

    /// <summary>
    /// When a message returned for a retry after its <paramref name="receiveCount"/>th delivery comes back: 30 s,
    /// then doubling up to 15 minutes, jittered like <see cref="Delay"/>. Without it the message would wait the queue's
    /// whole visibility timeout (90 minutes) before every retry.
    /// </summary>
    public static TimeSpan RedeliveryDelay(int receiveCount)
    {
        var ceiling = Math.Min(MaxRedelivery.TotalSeconds, InitialRedelivery.TotalSeconds * Math.Pow(2, Math.Max(0, receiveCount - 1)));
        return TimeSpan.FromSeconds(Math.Round(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2));
    }
}
