namespace S3Connector.Core.Jobs;

/// <summary>Optimistic-concurrency token of a job document (Elasticsearch's seq_no and primary term).</summary>
public readonly record struct JobVersion(long SeqNo, long PrimaryTerm);

/// <summary>
/// Where sync jobs and their units of work live. In production this is an Elasticsearch index of the connector's own
/// (so no other AWS service is needed); a dry run keeps it in memory.
/// </summary>
public interface IJobStore
{
    Task EnsureAsync(CancellationToken ct);

    Task CreateJobAsync(JobDocument job, CancellationToken ct);

    Task<(JobDocument Job, JobVersion Version)?> GetJobAsync(string jobId, CancellationToken ct);

    /// <summary>Replaces the job only if nobody changed it since <paramref name="version"/>; false when someone did.</summary>
    Task<bool> TryReplaceJobAsync(JobDocument job, JobVersion version, CancellationToken ct);

    /// <summary>The index's newest jobs, newest first.</summary>
    Task<IReadOnlyList<JobDocument>> ListJobsAsync(string indexName, int count, CancellationToken ct);

    /// <summary>The newest job of the index that is not finished, if any.</summary>
    Task<JobDocument?> FindActiveJobAsync(string indexName, CancellationToken ct);

    /// <summary>Creates the index's sync lock unless it exists; false when another start holds it.</summary>
    Task<bool> TryCreateLockAsync(SyncLock syncLock, CancellationToken ct);

    Task<(SyncLock Lock, JobVersion Version)?> GetLockAsync(string indexName, CancellationToken ct);

    /// <summary>Takes the lock over only if nobody changed it since <paramref name="version"/>; false when someone did.</summary>
    Task<bool> TryReplaceLockAsync(SyncLock syncLock, JobVersion version, CancellationToken ct);

    /// <summary>Records units as pending unless they already exist; visible to <see cref="CountPendingUnitsAsync"/> on return.</summary>
    Task CreatePendingUnitsAsync(IReadOnlyList<UnitDocument> units, CancellationToken ct);

    /// <summary>The job and one of its units in one read (either may be missing).</summary>
    Task<JobAndUnit> GetJobAndUnitAsync(string jobId, string unitId, CancellationToken ct);

    /// <summary>
    /// In one request: records the successors as pending unless they exist, and replaces <paramref name="unit"/> (its
    /// recorded plan); both are visible to <see cref="CountPendingUnitsAsync"/> on return.
    /// </summary>
    Task RecordPlanAsync(UnitDocument unit, IReadOnlyList<UnitDocument> successors, CancellationToken ct);

    /// <summary>Records a unit's outcome; visible to <see cref="CountPendingUnitsAsync"/> on return.</summary>
    Task FinishUnitAsync(UnitDocument unit, CancellationToken ct);

    Task<long> CountPendingUnitsAsync(string jobId, CancellationToken ct);

    /// <summary>When the job last made progress: the newest update of any of its units (null when it has none).</summary>
    Task<DateTimeOffset?> LastUnitUpdateAsync(string jobId, CancellationToken ct);

    /// <summary>Sums the counters of every unit of the job, streaming (memory does not grow with the job).</summary>
    Task<UnitTotals> SumUnitsAsync(string jobId, CancellationToken ct);
}

/// <summary>What <see cref="IJobStore.GetJobAndUnitAsync"/> found.</summary>
public sealed record JobAndUnit(JobDocument? Job, JobVersion JobVersion, UnitDocument? Unit);

/// <summary>The job's counters summed over its units, and the first unit error (by unit id) to say why it failed.</summary>
public sealed record UnitTotals(JobCounters Counters, string? FirstError);
