namespace S3Connector.Core.Budgets;

/// <summary>
/// The process's two budgets for object content: memory for what is downloaded, extracted and waiting to be sent,
/// and the temporary directory (/tmp in a Lambda) that larger objects are spooled to for the readers.
/// Created once per process, so concurrent messages and event batches share them.
/// </summary>
public sealed class ContentBudgets(long memoryBytes, long diskBytes) : IDisposable
{
    /// <summary>
    /// Of the memory the process may use (a Lambda's configured memory, a container's limit, or a GC heap limit),
    /// the share content may take; the rest is the runtime, the clients, listings and the bulk requests' headroom.
    /// </summary>
    public const double MemoryShare = 0.4;

    /// <summary>Of the temporary directory's free space at start, the share spooled content may take.</summary>
    public const double DiskShare = 0.8;

    public ByteBudget Memory { get; } = new(memoryBytes);

    public ByteBudget Disk { get; } = new(diskBytes);

    /// <summary>Budgets derived from what this process may use, for the hosts to create once.</summary>
    public static ContentBudgets ForThisProcess() => new(DefaultMemoryBytes(), DefaultDiskBytes(Path.GetTempPath()));

    /// <summary>The GC's view includes a Lambda's memory setting, a cgroup limit and DOTNET_GCHeapHardLimit.</summary>
    public static long DefaultMemoryBytes() => (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * MemoryShare);

    public static long DefaultDiskBytes(string directory)
    {
        try
        {
            return (long)(new DriveInfo(Path.GetFullPath(directory)).AvailableFreeSpace * DiskShare);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // Unknown free space: Lambda's default /tmp (512 MB).
            return (long)(512L * 1024 * 1024 * DiskShare);
        }
    }

    public void Dispose()
    {
        Memory.Dispose();
        Disk.Dispose();
    }
}
