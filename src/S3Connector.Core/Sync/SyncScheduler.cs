using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using S3Connector.Core.Configuration;
using S3Connector.Core.Diagnostics;
using S3Connector.Core.Elasticsearch;
using S3Connector.Core.Jobs;
using S3Connector.Core.Queue;
using S3Connector.Core.Rules;
using S3Connector.Core.S3;

namespace S3Connector.Core.Sync;

public sealed class SyncStartException(string message, Exception? inner = null) : Exception(message, inner);

public sealed record SyncStart(string JobId, int RangeCount, string? SkippedBecauseRunning = null);

/// <summary>
/// Starts a full sync: resolves the buckets, records the job, and fans each listing scope out to the queue as key
/// ranges cut at its top-level prefixes (one delimited LIST), so a bucket of many "folders" lists in parallel from
/// the start; a range that turns out long divides itself (<see cref="RangeSplitter"/>).
/// </summary>
public sealed class SyncScheduler(
    ConnectorOptions options,
    S3Gateway s3,
    IJobStore jobs,
    IDocumentSink sink,
    IWorkQueue queue,
    JobCompletion completion,
    TimeProvider time,
    ILogger<SyncScheduler> logger)
{
    /// <summary>
    /// A job with no progress for this long (no unit recorded anything) is presumed dead and no longer blocks new syncs.
    /// Longer than the work queue's visibility timeout (90 minutes) plus a worker's 15: a message whose worker was
    /// killed comes back after the visibility timeout and still finds its job running. A long sync that progresses
    /// is never judged stalled, however long it runs.
    /// </summary>
    public static readonly TimeSpan StalledAfter = TimeSpan.FromHours(2);

    /// <summary>When <paramref name="job"/> last made progress: its own update or its newest unit's, whichever is later.</summary>
    public static async Task<DateTimeOffset> LastProgressAsync(IJobStore jobs, JobDocument job, CancellationToken ct) =>
        await jobs.LastUnitUpdateAsync(job.JobId, ct) is { } unit && unit > job.UpdatedAt ? unit : job.UpdatedAt;

    /// <param name="Top">The first delimited page of the prefix: the probe that it can be listed, and where to cut it.</param>
    private sealed record Target(string Bucket, string? Region, string Prefix, ListPage Top);

    /// <param name="runner">A <see cref="JobRunner"/> value: an in-process run takes over an earlier in-process job,
    /// whose messages died with the process that ran it.</param>
    public async Task<SyncStart> StartAsync(JobRunner runner, CancellationToken ct)
    {
        await jobs.EnsureAsync(ct);
        await sink.EnsureIndexAsync(ct);
        var now = time.GetUtcNow();
        var jobId = NewJobId(now);

        var active = await jobs.FindActiveJobAsync(options.IndexName, ct);
        if (active is { Status: JobStatus.Finalizing })
        {
            // Its finalizer may have died (Elasticsearch down, the deadline): taken over once the lease expired.
            await completion.TryCompleteAsync(active.JobId, ct);
            active = await jobs.FindActiveJobAsync(options.IndexName, ct);
        }

        if (active is not null)
        {
            var abandoned = runner == JobRunner.InProcess && active.Runner == JobRunner.InProcess;
            var lastProgress = await LastProgressAsync(jobs, active, ct);
            var stalled = now - lastProgress >= StalledAfter;
            if (!abandoned && !stalled)
            {
                Log.JobAlreadyRunning(logger, jobId, active.JobId, options.IndexName);
                return new SyncStart(active.JobId, 0, active.JobId);
            }

            await completion.FailAsync(active.JobId, abandoned
                ? "abandoned: the process that ran it ended before it finished"
                : $"abandoned: no progress since {lastProgress:u} ({StalledAfter.TotalHours} hours); its work messages were lost", ct);
        }

        // Resolve every bucket before recording anything: an unknown bucket fails the start, not the middle of a sync.
        var targets = await ResolveTargetsAsync(ct);
        var buckets = targets.Select(t => t.Bucket).Distinct(StringComparer.Ordinal).ToList();
        if (await LockAsync(jobId, ct) is { } holder)
        {
            // Another start got past the check above at the same moment and took the lock first.
            Log.JobAlreadyRunning(logger, jobId, holder, options.IndexName);
            return new SyncStart(holder, 0, holder);
        }

        await jobs.CreateJobAsync(new JobDocument
        {
            JobId = jobId,
            IndexName = options.IndexName,
            Status = JobStatus.Running,
            Buckets = buckets,
            Scopes = [.. targets.Select(t => new ListingScope(t.Bucket, t.Prefix))],
            Runner = runner,
            StartedAt = now,
            UpdatedAt = now,
        }, ct);
        var fanoutUnit = new UnitDocument { JobId = jobId, UnitId = UnitIds.Fanout(jobId), Status = UnitStatus.Pending, UpdatedAt = now };
        var ranges = 0;
        var unitRecorded = false;
        try
        {
            await jobs.CreatePendingUnitsAsync([fanoutUnit], ct);
            unitRecorded = true;
            foreach (var target in targets)
            {
                ranges += await FanOutAsync(jobId, target, ct);
            }
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            var reason = $"listing could not be fanned out: {(e is ElasticsearchException ? e.Message : S3Errors.Describe(e))}";
            await FailStartAsync(jobId, unitRecorded ? fanoutUnit : null, reason, ct);
            throw new SyncStartException(reason, e);
        }

        await jobs.FinishUnitAsync(fanoutUnit with { Status = UnitStatus.Done, UpdatedAt = time.GetUtcNow() }, ct);
        Log.JobStarted(logger, jobId, options.IndexName, buckets.Count, ranges);
        // Workers may have finished every range before the fan-out unit was done; then nobody else would finish the job.
        await completion.TryCompleteAsync(jobId, ct);
        return new SyncStart(jobId, ranges);
    }

    /// <summary>
    /// Takes the index's sync lock for <paramref name="jobId"/>: created if absent, else taken over by compare-and-set
    /// when its holder finished (or its starter died before creating it), so of two starts racing past the active-job
    /// check exactly one records a job.
    /// </summary>
    /// <returns>Null when this start holds the lock; otherwise the job that does.</returns>
    private async Task<string?> LockAsync(string jobId, CancellationToken ct)
    {
        var mine = new SyncLock { IndexName = options.IndexName, JobId = jobId, UpdatedAt = time.GetUtcNow() };
        if (await jobs.TryCreateLockAsync(mine, ct))
        {
            return null;
        }

        if (await jobs.GetLockAsync(options.IndexName, ct) is not { } held)
        {
            // Nothing deletes a lock; a jobs index cleared by hand is the one way here.
            return await jobs.TryCreateLockAsync(mine, ct)
                ? null
                : throw new SyncStartException($"Another sync of index '{options.IndexName}' is starting; try again.");
        }

        var free = await jobs.GetJobAsync(held.Lock.JobId, ct) is { } holder
            ? holder.Job.Status.IsTerminal()
            : mine.UpdatedAt - held.Lock.UpdatedAt >= SyncLock.StartGrace;
        if (free && await jobs.TryReplaceLockAsync(mine, held.Version, ct))
        {
            return null;
        }

        return free ? (await jobs.GetLockAsync(options.IndexName, ct))?.Lock.JobId ?? held.Lock.JobId : held.Lock.JobId;
    }

    private async Task<List<Target>> ResolveTargetsAsync(CancellationToken ct)
    {
        IEnumerable<(string Bucket, string Prefix)> wanted;
        if (options.AdvancedSyncRules.Count > 0)
        {
            // Overlapping rules share one listing, so no key is listed (or downloaded, or indexed) twice.
            wanted = SyncRules.ListingTargets(options.AdvancedSyncRules).Select(t => (t.Bucket, t.Prefix));
        }
        else if (options.AllBuckets)
        {
            wanted = (await Call(() => s3.ListBucketsAsync(ct), "list the buckets (buckets is \"*\")")).Select(b => (b, ""));
        }
        else
        {
            wanted = options.Buckets.Select(b => (b, ""));
        }

        var regions = new Dictionary<string, string?>(StringComparer.Ordinal);
        var targets = new List<Target>();
        foreach (var (bucket, prefix) in wanted.Distinct())
        {
            if (!regions.TryGetValue(bucket, out var region))
            {
                region = await ResolveRegionAsync(bucket, ct);
                regions[bucket] = region;
            }

            // Listed before anything is recorded: a bucket that cannot be listed fails the start, not the middle of a sync.
            var top = await Call(() => s3.ListAsync(bucket, region, prefix, delimited: true, startAfter: null, continuationToken: null,
                RangeWorker.ListKeys, ct), $"list bucket '{bucket}'", bucket);
            targets.Add(new Target(bucket, region, prefix, top));
        }

        return targets;
    }

    private async Task<string?> ResolveRegionAsync(string bucket, CancellationToken ct)
    {
        // An S3-compatible endpoint has one region of its own; GetBucketLocation may not even exist there.
        if (options.EndpointUrl is not null)
        {
            return null;
        }

        try
        {
            return await s3.GetBucketRegionAsync(bucket, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && !S3Errors.IsNoSuchBucket(e) && !S3Errors.IsRetryable(e))
        {
            // Without s3:GetBucketLocation the default region is the best guess; the listing that follows checks it.
            return options.Region;
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            throw Describe(e, $"find the region of bucket '{bucket}'", bucket);
        }
    }

    /// <summary>
    /// Cuts the target's prefix at the common prefixes of its first delimited page — range (null, P1], (P1, P2], ...,
    /// (Pn, end] — so each folder starts as a range of its own. When that page was truncated, the rest is also cut at
    /// points extrapolated from the keys it holds (<see cref="RangeSplitter.SplitPoints"/>), so one flat prefix of
    /// millions of keys starts on every worker at once instead of one.
    /// </summary>
    /// <summary>
    /// A start that recorded its job but not its work fails the job at once, so it blocks no later sync. Best effort:
    /// when Elasticsearch cannot take even that, the job has no progress and is abandoned after <see cref="StalledAfter"/>.
    /// </summary>
    private async Task FailStartAsync(string jobId, UnitDocument? fanoutUnit, string reason, CancellationToken ct)
    {
        try
        {
            if (fanoutUnit is not null)
            {
                await jobs.FinishUnitAsync(fanoutUnit with { Status = UnitStatus.Failed, Error = reason, Counters = new JobCounters { FailedPages = 1 } }, ct);
            }

            await completion.FailAsync(jobId, reason, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is ElasticsearchException or HttpRequestException or Elastic.Transport.TransportException)
        {
            Log.JobNotFailed(logger, jobId, e.Message);
        }
    }

    private async Task<int> FanOutAsync(string jobId, Target target, CancellationToken ct)
    {
        var cuts = target.Top.CommonPrefixes.ToList();
        if (target.Top.NextContinuationToken is not null && target.Top.Objects.Count >= 2)
        {
            var keys = target.Top.Objects.Select(o => o.Key).Order(KeyOrder.Instance).ToList();
            var listedUpTo = cuts.Append(keys[^1]).Max(KeyOrder.Instance)!;
            // Twice the parallelism: the whole first wave of work is known at once, so no worker waits for the
            // chain that divides the rest, and a piece that turns out empty costs one LIST.
            cuts.AddRange(RangeSplitter.SplitPoints(target.Prefix, keys, until: null, 2 * options.ListingParallelism - 1)
                .Where(p => KeyOrder.Compare(p, listedUpTo) > 0));
        }

        var messages = new List<WorkMessage>();
        string? after = null;
        foreach (var cut in cuts.Distinct(StringComparer.Ordinal).Order(KeyOrder.Instance))
        {
            messages.Add(Message(jobId, target, new KeyRange(target.Prefix, after, cut)));
            after = cut;
        }

        // The open-ended last range divides again as it is listed: first in the queue, so the frontier never waits.
        messages.Insert(0, Message(jobId, target, new KeyRange(target.Prefix, after, null)));
        await EnqueueAsync(messages, ct);
        return messages.Count;
    }

    private static WorkMessage Message(string jobId, Target target, KeyRange range) => new()
    {
        JobId = jobId,
        Bucket = target.Bucket,
        Region = target.Region,
        Range = range,
    };

    private async Task EnqueueAsync(IReadOnlyList<WorkMessage> messages, CancellationToken ct)
    {
        if (messages.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        await jobs.CreatePendingUnitsAsync(messages.Select(m => RangeWorker.PendingUnit(m, now)).ToList(), ct);
        await queue.SendAsync(messages, ct);
    }

    private static async Task<T> Call<T>(Func<Task<T>> call, string what, string? bucket = null)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Describe(e, what, bucket);
        }
    }

    private static async Task Call(Func<Task> call, string what, string bucket)
    {
        try
        {
            await call();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Describe(e, what, bucket);
        }
    }

    private static SyncStartException Describe(Exception e, string what, string? bucket) =>
        bucket is not null && S3Errors.IsNoSuchBucket(e)
            ? new SyncStartException($"Bucket '{bucket}' does not exist.", e)
            : new SyncStartException($"Could not {what}: {S3Errors.Describe(e)}.", e);

    private static string NewJobId(DateTimeOffset now) =>
        $"{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
}
