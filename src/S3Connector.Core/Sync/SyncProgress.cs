namespace S3Connector.Core.Sync;

/// <summary>Live, process-local counters for progress displays; the durable counts are in the jobs index.</summary>
public sealed class SyncProgress
{
    private long _listed;
    private long _indexed;
    private long _failed;
    private long _skipped;
    private long _pages;

    public long Listed => Interlocked.Read(ref _listed);
    public long Indexed => Interlocked.Read(ref _indexed);
    public long Failed => Interlocked.Read(ref _failed);
    public long Skipped => Interlocked.Read(ref _skipped);
    public long Pages => Interlocked.Read(ref _pages);

    public void AddPage(Jobs.JobCounters counters)
    {
        Interlocked.Increment(ref _pages);
        Interlocked.Add(ref _listed, counters.Listed);
        Interlocked.Add(ref _indexed, counters.Indexed);
        Interlocked.Add(ref _failed, counters.Failed);
        Interlocked.Add(ref _skipped, counters.Skipped.Values.Sum());
    }
}
