using System.Collections.Concurrent;

namespace S3Connector.Core.Jobs;

/// <summary>The job store of a dry run (nothing may be written to Elasticsearch) and of unit tests.</summary>
public sealed class InMemoryJobStore : IJobStore
{
    private readonly ConcurrentDictionary<string, (JobDocument Job, long Version)> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, UnitDocument> _units = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (SyncLock Lock, long Version)> _locks = new(StringComparer.Ordinal);
    private long _version;

    public Task EnsureAsync(CancellationToken ct) => Task.CompletedTask;

    public Task CreateJobAsync(JobDocument job, CancellationToken ct)
    {
        _jobs[job.JobId] = (job, Interlocked.Increment(ref _version));
        return Task.CompletedTask;
    }

    public Task<(JobDocument Job, JobVersion Version)?> GetJobAsync(string jobId, CancellationToken ct) =>
        Task.FromResult<(JobDocument, JobVersion)?>(_jobs.TryGetValue(jobId, out var entry)
            ? (entry.Job, new JobVersion(entry.Version, 1))
            : null);

    public Task<bool> TryReplaceJobAsync(JobDocument job, JobVersion version, CancellationToken ct)
    {
        lock (_jobs)
        {
            if (!_jobs.TryGetValue(job.JobId, out var current) || current.Version != version.SeqNo)
            {
                return Task.FromResult(false);
            }

            _jobs[job.JobId] = (job, Interlocked.Increment(ref _version));
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<JobDocument>> ListJobsAsync(string indexName, int count, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<JobDocument>>([.. Newest(indexName).Take(count)]);

    public Task<JobDocument?> FindActiveJobAsync(string indexName, CancellationToken ct) =>
        Task.FromResult(Newest(indexName).FirstOrDefault(j => !j.Status.IsTerminal()));

    private IEnumerable<JobDocument> Newest(string indexName) =>
        _jobs.Values.Select(e => e.Job).Where(j => j.IndexName == indexName).OrderByDescending(j => j.StartedAt);

    public Task<bool> TryCreateLockAsync(SyncLock syncLock, CancellationToken ct)
    {
        lock (_locks)
        {
            return Task.FromResult(_locks.TryAdd(syncLock.IndexName, (syncLock, Interlocked.Increment(ref _version))));
        }
    }

    public Task<(SyncLock Lock, JobVersion Version)?> GetLockAsync(string indexName, CancellationToken ct)
    {
        lock (_locks)
        {
            return Task.FromResult<(SyncLock, JobVersion)?>(_locks.TryGetValue(indexName, out var entry)
                ? (entry.Lock, new JobVersion(entry.Version, 1))
                : null);
        }
    }

    public Task<bool> TryReplaceLockAsync(SyncLock syncLock, JobVersion version, CancellationToken ct)
    {
        lock (_locks)
        {
            if (!_locks.TryGetValue(syncLock.IndexName, out var current) || current.Version != version.SeqNo)
            {
                return Task.FromResult(false);
            }

            _locks[syncLock.IndexName] = (syncLock, Interlocked.Increment(ref _version));
            return Task.FromResult(true);
        }
    }

    public Task CreatePendingUnitsAsync(IReadOnlyList<UnitDocument> units, CancellationToken ct)
    {
        foreach (var unit in units)
        {
            _units.TryAdd(unit.UnitId, unit);
        }

        return Task.CompletedTask;
    }

    public Task<JobAndUnit> GetJobAndUnitAsync(string jobId, string unitId, CancellationToken ct) =>
        Task.FromResult(_jobs.TryGetValue(jobId, out var entry)
            ? new JobAndUnit(entry.Job, new JobVersion(entry.Version, 1), _units.GetValueOrDefault(unitId))
            : new JobAndUnit(null, default, _units.GetValueOrDefault(unitId)));

    public Task RecordPlanAsync(UnitDocument unit, IReadOnlyList<UnitDocument> successors, CancellationToken ct)
    {
        foreach (var successor in successors)
        {
            _units.TryAdd(successor.UnitId, successor);
        }

        _units[unit.UnitId] = unit;
        return Task.CompletedTask;
    }

    public Task FinishUnitAsync(UnitDocument unit, CancellationToken ct)
    {
        _units[unit.UnitId] = unit;
        return Task.CompletedTask;
    }

    public Task<long> CountPendingUnitsAsync(string jobId, CancellationToken ct) =>
        Task.FromResult((long)_units.Values.Count(u => u.JobId == jobId && u.Status == UnitStatus.Pending));

    public Task<DateTimeOffset?> LastUnitUpdateAsync(string jobId, CancellationToken ct) =>
        Task.FromResult(_units.Values.Where(u => u.JobId == jobId).Select(u => (DateTimeOffset?)u.UpdatedAt).Max());

    public Task<UnitTotals> SumUnitsAsync(string jobId, CancellationToken ct)
    {
        var units = _units.Values.Where(u => u.JobId == jobId).OrderBy(u => u.UnitId, StringComparer.Ordinal).ToList();
        var counters = units.Where(u => u.Counters is not null).Aggregate(new JobCounters(), (sum, u) => JobCounters.Sum(sum, u.Counters!));
        return Task.FromResult(new UnitTotals(counters, units.Select(u => u.Error).FirstOrDefault(e => e is not null)));
    }
}
