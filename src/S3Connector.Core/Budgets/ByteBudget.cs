using System.Threading.RateLimiting;

namespace S3Connector.Core.Budgets;

/// <summary>
/// A number of bytes shared by everything one process does at once (memory for content, or /tmp): a caller waits
/// until its bytes are free, first come first served, so a batch of large objects slows down instead of running
/// the Lambda out of memory or disk. One request larger than the whole budget is let through alone.
/// </summary>
public sealed class ByteBudget : IDisposable
{
    /// <summary>Permits are kibibytes: a limiter counts in int, and a Lambda's memory is far below 2 TiB.</summary>
    private const long BytesPerPermit = 1024;

    private readonly ConcurrencyLimiter _limiter;
    private readonly int _permits;

    public ByteBudget(long capacityBytes)
    {
        CapacityBytes = Math.Max(capacityBytes, BytesPerPermit);
        _permits = (int)Math.Min(CapacityBytes / BytesPerPermit, int.MaxValue);
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = _permits,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    public long CapacityBytes { get; }

    /// <summary>Waits for <paramref name="bytes"/>; disposing the hold gives them back (once, however often it is disposed).</summary>
    public async ValueTask<BudgetHold> AcquireAsync(long bytes, CancellationToken ct)
    {
        var permits = (int)Math.Clamp((bytes + BytesPerPermit - 1) / BytesPerPermit, 1, _permits);
        var lease = await _limiter.AcquireAsync(permits, ct);
        if (!lease.IsAcquired)
        {
            // The queue is unbounded, so only a disposed budget refuses.
            lease.Dispose();
            throw new ObjectDisposedException(nameof(ByteBudget));
        }

        return new BudgetHold(lease);
    }

    public void Dispose() => _limiter.Dispose();
}

/// <summary>Bytes taken from a <see cref="ByteBudget"/> until disposed.</summary>
public sealed class BudgetHold(RateLimitLease lease) : IDisposable
{
    private int _disposed;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            lease.Dispose();
        }
    }
}
