using Microsoft.Extensions.Logging;
using S3Connector.Core.Configuration;
using S3Connector.Core.Diagnostics;
using S3Connector.Core.Documents;
using S3Connector.Core.Elasticsearch;
using S3Connector.Core.Jobs;
using S3Connector.Core.Queue;
using S3Connector.Core.Rules;
using S3Connector.Core.S3;

namespace S3Connector.Core.Sync;

/// <summary>
/// Handles one work message, a key range: lists it (1,000 keys a request), divides it when it is long or holds more
/// downloads than <c>page_size</c> (recording the division and handing the successors to the queue before any
/// object is read), then reconciles the part it keeps with the index: new and changed objects are fetched and
/// written, unchanged ones cost nothing, documents whose object is gone or now excluded are deleted. See
/// docs/ARCHITECTURE.md, "Key ranges".
/// </summary>
public sealed class RangeWorker(
    ConnectorOptions options,
    S3Gateway s3,
    DocumentBuilder builder,
    IDocumentSink sink,
    IJobStore jobs,
    IWorkQueue queue,
    JobCompletion completion,
    SyncProgress progress,
    SyncRules rules,
    TimeProvider time,
    ILogger<RangeWorker> logger,
    IConnectorMetrics? metrics = null)
{
    private readonly IConnectorMetrics _metrics = metrics ?? NoConnectorMetrics.Instance;

    /// <summary>Keys per ListObjectsV2 request: S3's maximum, whatever <c>page_size</c> is (one request costs the same).</summary>
    public const int ListKeys = 1000;

    /// <summary>One listing request's objects inside the range being worked, and the exact stretch they are all of
    /// (<paramref name="ListRequests"/>: more than one when the first pages held no key of the range).</summary>
    private sealed record Chunk(KeyRange Covered, IReadOnlyList<S3ObjectInfo> Objects, DateTimeOffset ObservedAt, bool More, int ListRequests);

    /// <summary>What one listed object needs, decided before anything is downloaded.</summary>
    private enum Need
    {
        Unchanged,
        Excluded,
        Build,

        /// <summary>A basic rule reads a field only a fetch reveals: built, then decided.</summary>
        BuildThenDecide,
    }

    private sealed record Planned(S3ObjectInfo Object, Need Need, RuleDecision Decision, bool InIndex);

    private sealed record ChunkResult(JobCounters Counters, string? RetryReason, string? FirstFailure, int ListRequests = 0);

    /// <param name="delivery">Whether this delivery may still hand its range back, or is the last: record, don't retry.</param>
    public async Task<WorkOutcome> ProcessAsync(WorkMessage message, Delivery delivery, CancellationToken ct)
    {
        if (message.Version != WorkMessage.CurrentVersion)
        {
            // Its unit cannot be named, so nothing would ever mark it done: the job fails now instead of blocking new
            // syncs for a day (a sync started by a version that worked in pages, still running at an upgrade).
            var reason = $"work message version {message.Version} is not this version's ({WorkMessage.CurrentVersion}); run the sync again";
            Log.UnitFailed(logger, message.JobId, reason);
            await completion.FailAsync(message.JobId, reason, ct);
            return WorkOutcome.Permanent(reason);
        }

        var unitId = message.UnitId;
        var state = await jobs.GetJobAndUnitAsync(message.JobId, unitId, ct);
        if (state.Job is { Status: JobStatus.Finalizing })
        {
            // A finalizer that died (Elasticsearch down, the deadline) is taken over once its lease expired.
            await completion.TryCompleteAsync(message.JobId, ct);
            return WorkOutcome.Done;
        }

        if (state.Job is not { Status: JobStatus.Running })
        {
            Log.MessageIgnored(logger, unitId, state.Job is null ? "unknown sync job" : $"sync job is {state.Job.Status}");
            return WorkOutcome.Done;
        }

        if (state.Unit is { Status: not UnitStatus.Pending })
        {
            // A redelivery of finished work. The first delivery may have died before completing the job: check again.
            Log.MessageIgnored(logger, unitId, "range already processed");
            await completion.TryCompleteAsync(message.JobId, ct);
            return WorkOutcome.Done;
        }

        var unit = state.Unit ?? PendingUnit(message, time.GetUtcNow());
        ChunkResult result;
        try
        {
            result = unit.Own is { } own
                ? await ResumeAsync(message, unit, own, delivery, ct)
                : await FirstDeliveryAsync(message, unit, delivery, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && IsListingFailure(e))
        {
            var reason = $"listing s3://{message.Bucket}/{message.Range} failed: {S3Errors.Describe(e)}";
            return S3Errors.IsRetryable(e) && delivery == Delivery.MayRetry
                ? RetryLater(unitId, reason)
                : await FailUnitAsync(message, unit, reason, ct);
        }

        if (result.RetryReason is { } retry)
        {
            if (message.Reading is not null && unit.Own is null)
            {
                // The retry lists the range itself, so a key uploaded into it since the reading is not left out.
                await jobs.RecordPlanAsync(unit with { Own = message.Range, UpdatedAt = time.GetUtcNow() }, [], ct);
            }

            return RetryLater(unitId, retry);
        }

        var counters = result.Counters;
        // The range is done even with failed objects; its error tells the job's summary why the sync failed.
        var error = counters.Failed > 0
            ? $"{counters.Failed} objects of s3://{message.Bucket}/{message.Range} failed, first: {result.FirstFailure}"
            : null;
        await jobs.FinishUnitAsync(unit with { Status = UnitStatus.Done, Counters = counters, Error = error, UpdatedAt = time.GetUtcNow() }, ct);
        progress.AddPage(counters);
        _metrics.Publish(options.IndexName, ConnectorMetrics.RangeDone(counters, result.ListRequests));
        Log.RangeDone(logger, unitId, message.Bucket, message.Range.ToString(), counters.Listed, counters.Indexed, counters.Unchanged,
            counters.Deleted, counters.Failed);
        await completion.TryCompleteAsync(message.JobId, ct);
        return WorkOutcome.Done;
    }

    /// <summary>Lists the range's first page, divides the range if needed, and works the part it keeps.</summary>
    private async Task<ChunkResult> FirstDeliveryAsync(WorkMessage message, UnitDocument unit, Delivery delivery, CancellationToken ct)
    {
        if (message.Reading is { } reading)
        {
            // Read by the unit that divided it, and within page_size downloads: worked as read, never divided again.
            var index = new IndexState(reading.Fingerprints(), [.. reading.Unlisted.Select(k => new IndexedObject(
                ObjectKeys.DocumentId(message.Bucket, k), k, null))], StaleOverflow: false);
            var read = Plan(reading.ObjectsOf(message.Bucket), index.Fingerprints);
            return await ApplyAsync(message, message.Range, read, reading.ObservedAt, index, delivery, ct);
        }

        var maxKeys = message.ExpectedKeys is { } expected ? Math.Min(ListKeys, expected + expected / 8 + 16) : ListKeys;
        var chunk = await FirstChunkAsync(message, message.Range, maxKeys, ct);
        var existing = await ReadIndexAsync(message.Bucket, chunk.Covered, chunk.Objects, ct);
        var planned = Plan(chunk.Objects, existing.Fingerprints);
        var plan = RangeSplitter.Plan(
            message.Range,
            [.. chunk.Objects.Select(o => o.Key)],
            [.. planned.Select(p => p.Need is Need.BuildThenDecide || p.Need is Need.Build && builder.WillDownload(p.Object))],
            chunk.More,
            options.PageSize,
            options.ListingParallelism);
        if (plan.Successors.Count > 0)
        {
            // The last piece holds the unlisted rest and will divide again: sent (and recorded, for redeliveries) first,
            // so the listing frontier does not wait behind the pieces it just handed out.
            var pieces = plan.Successors.Select((range, i) => message with
            {
                Range = range,
                ExpectedKeys = plan.ExpectedKeys[i],
                Reading = Listed(chunk, range) ? ReadingOf(range, chunk, existing) : null,
            }).ToList();
            List<WorkMessage> successors = [pieces[^1], .. pieces[..^1]];
            var now = time.GetUtcNow();
            // Recorded without their readings (the unit document stays small): a redelivery that re-sends them has
            // them list their ranges themselves, which covers the same keys.
            await jobs.RecordPlanAsync(
                unit with { Own = plan.Own, Successors = [.. successors.Select(s => s with { Reading = null })], UpdatedAt = now },
                [.. successors.Select(s => PendingUnit(s, now))],
                ct);
            await queue.SendAsync(successors, ct);
        }

        var own = plan.Own;
        var ownObjects = planned.Where(p => own.Contains(p.Object.Key)).ToList();
        var result = await ApplyAsync(message, own, ownObjects, chunk.ObservedAt, existing, delivery, ct);
        return result with { ListRequests = chunk.ListRequests };
    }

    /// <summary>
    /// A redelivery of a range an earlier delivery divided: the successors are sent again (that delivery may have
    /// died before sending them; a duplicate of a finished unit is ignored), and exactly the part it kept is worked,
    /// however many keys it holds by now.
    /// </summary>
    private async Task<ChunkResult> ResumeAsync(WorkMessage message, UnitDocument unit, KeyRange own, Delivery delivery, CancellationToken ct)
    {
        if (unit.Successors is { Count: > 0 } successors)
        {
            await queue.SendAsync(successors, ct);
        }

        var total = new JobCounters();
        string? firstFailure = null;
        string? token = null;
        var lower = own.After;
        var listRequests = 0;
        while (true)
        {
            var observedAt = time.GetUtcNow();
            var page = await s3.ListAsync(message.Bucket, message.Region, own.Prefix, delimited: false, own.After, token, ListKeys, ct);
            listRequests++;
            var (objects, more) = InRange(own, page);
            if (objects.Count == 0 && more)
            {
                token = page.NextContinuationToken;
                continue;
            }

            var covered = more ? own with { After = lower, Until = objects[^1].Key } : own with { After = lower };
            var existing = await ReadIndexAsync(message.Bucket, covered, objects, ct);
            var result = await ApplyAsync(message, covered, Plan(objects, existing.Fingerprints), observedAt, existing, delivery, ct);
            if (result.RetryReason is not null)
            {
                return result;
            }

            total = JobCounters.Sum(total, result.Counters);
            firstFailure ??= result.FirstFailure;
            if (!more)
            {
                return new ChunkResult(total, null, firstFailure, listRequests);
            }

            lower = objects[^1].Key;
            token = page.NextContinuationToken;
        }
    }

    /// <summary>True when the first listing saw all of <paramref name="range"/>.</summary>
    private static bool Listed(Chunk chunk, KeyRange range) =>
        !chunk.More || range.Until is not null && KeyOrder.Compare(range.Until, chunk.Covered.Until!) <= 0;

    /// <summary>The successor's reading, unless the index read missed unlisted documents (more than were remembered).</summary>
    private static RangeReading? ReadingOf(KeyRange range, Chunk chunk, IndexState existing) => existing.StaleOverflow
        ? null
        : RangeReading.Of(range, chunk.Objects, existing.Fingerprints, existing.Stale.Select(d => d.Filename), chunk.ObservedAt);

    private async Task<Chunk> FirstChunkAsync(WorkMessage message, KeyRange range, int maxKeys, CancellationToken ct)
    {
        string? token = null;
        var requests = 0;
        while (true)
        {
            var observedAt = time.GetUtcNow();
            var page = await s3.ListAsync(message.Bucket, message.Region, range.Prefix, delimited: false, range.After, token, maxKeys, ct);
            requests++;
            var (objects, more) = InRange(range, page);
            if (objects.Count > 0 || !more)
            {
                return new Chunk(more ? range.Through(objects[^1].Key) : range, objects, observedAt, more, requests);
            }

            token = page.NextContinuationToken;
        }
    }

    /// <summary>The page's objects inside <paramref name="range"/>, and whether the range goes on past them.</summary>
    private static (List<S3ObjectInfo> Objects, bool More) InRange(KeyRange range, ListPage page)
    {
        var objects = new List<S3ObjectInfo>(page.Objects.Count);
        foreach (var obj in page.Objects)
        {
            if (range.IsPastEnd(obj.Key))
            {
                return (objects, false);
            }

            if (range.Contains(obj.Key))
            {
                objects.Add(obj);
            }
        }

        return (objects, page.NextContinuationToken is not null);
    }

    /// <summary>Indexed documents of a stretch whose object the listing does not hold, kept to delete them without a
    /// second search; past this many, the stretch is read again while deleting (memory stays bounded).</summary>
    private const int MaxRememberedStale = 1000;

    /// <summary>The index's fingerprints of the listed objects, and its documents the listing does not hold: all of
    /// them, or — when <paramref name="StaleOverflow"/> — the first <see cref="MaxRememberedStale"/>.</summary>
    private sealed record IndexState(Dictionary<string, string?> Fingerprints, List<IndexedObject> Stale, bool StaleOverflow);

    private async Task<IndexState> ReadIndexAsync(string bucket, KeyRange covered, IReadOnlyList<S3ObjectInfo> objects, CancellationToken ct)
    {
        var listed = objects.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        var fingerprints = new Dictionary<string, string?>(StringComparer.Ordinal);
        var stale = new List<IndexedObject>();
        var overflow = false;
        await foreach (var indexed in sink.ReadRangeAsync(bucket, covered, ct))
        {
            if (listed.Contains(indexed.Filename))
            {
                fingerprints[indexed.Filename] = indexed.Fingerprint;
            }
            else if (stale.Count < MaxRememberedStale)
            {
                stale.Add(indexed);
            }
            else
            {
                overflow = true;
            }
        }

        return new IndexState(fingerprints, stale, overflow);
    }

    /// <summary>Decides each object on the listing alone: an excluded or unchanged object costs no GetObject.</summary>
    private List<Planned> Plan(IReadOnlyList<S3ObjectInfo> objects, Dictionary<string, string?> fingerprints)
    {
        var planned = new List<Planned>(objects.Count);
        foreach (var obj in objects)
        {
            var inIndex = fingerprints.TryGetValue(obj.Key, out var fingerprint);
            var decision = rules.Decide(obj);
            var need = decision.Verdict switch
            {
                RuleVerdict.Exclude => Need.Excluded,
                RuleVerdict.NeedsFetch => Need.BuildThenDecide,
                _ when inIndex && fingerprint is not null && fingerprint == builder.FingerprintOf(obj) => Need.Unchanged,
                _ => Need.Build,
            };
            planned.Add(new Planned(obj, need, decision, inIndex));
        }

        return planned;
    }

    /// <summary>
    /// Works one stretch of keys: builds and writes what is new or changed, then — only if every write succeeded —
    /// deletes what is excluded or gone, each delete versioned by the listing's time so a newer event write wins.
    /// </summary>
    private async Task<ChunkResult> ApplyAsync(
        WorkMessage message, KeyRange covered, IReadOnlyList<Planned> planned, DateTimeOffset observedAt, IndexState existing,
        Delivery delivery, CancellationToken ct)
    {
        var tally = new Tally();
        var deletes = new List<string>();
        var toBuild = new List<Planned>();
        foreach (var item in planned)
        {
            switch (item.Need)
            {
                case Need.Unchanged:
                    tally.Unchanged++;
                    break;
                case Need.Excluded:
                    Exclude(item.Object, item.Decision, tally);
                    if (item.InIndex)
                    {
                        deletes.Add(item.Object.Key);
                    }

                    break;
                default:
                    toBuild.Add(item);
                    break;
            }
        }

        var (retry, buildDeletes) = await BuildAndWriteAsync(message, toBuild, observedAt, delivery, tally, ct);
        if (retry is not null)
        {
            return new ChunkResult(new JobCounters(), retry, null);
        }

        deletes.AddRange(buildDeletes);
        if (tally.Failed == 0)
        {
            // A stretch whose writes failed deletes nothing: what it holds is not known for sure.
            // The first delivery read the index over its whole listing; only this unit's own stretch is its to clean.
            deletes.AddRange(existing.StaleOverflow ? [] : existing.Stale.Where(d => covered.Contains(d.Filename)).Select(d => d.Filename));
            var deleteRetry = await DeleteAsync(message, covered, planned, deletes, existing.StaleOverflow, observedAt, delivery, tally, ct);
            if (deleteRetry is not null)
            {
                return new ChunkResult(new JobCounters(), deleteRetry, null);
            }
        }

        return new ChunkResult(tally.ToCounters(planned.Count), null, tally.FirstFailure);
    }

    /// <returns>A reason to retry the range, or the keys whose documents must go (excluded after the fetch, or gone).</returns>
    private async Task<(string? Retry, List<string> Deletes)> BuildAndWriteAsync(
        WorkMessage message, IReadOnlyList<Planned> toBuild, DateTimeOffset observedAt, Delivery delivery, Tally tally, CancellationToken ct)
    {
        var deletes = new List<string>();
        if (toBuild.Count == 0)
        {
            return (null, deletes);
        }

        string? retry = null;
        var written = new S3ObjectInfo?[toBuild.Count];
        var stream = WriteStream.Open(sink, options.ConcurrentDownloads, ct);
        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, toBuild.Count),
                new ParallelOptions { MaxDegreeOfParallelism = options.ConcurrentDownloads, CancellationToken = ct },
                async (i, c) =>
                {
                    var item = toBuild[i];
                    // Taken before the download and given back by the sink once the document is sent (or here, when
                    // nothing is written), so what all messages of this process hold stays within the memory budget.
                    var hold = await builder.ReserveAsync(item.Object, c);
                    try
                    {
                        var built = await builder.BuildAsync(item.Object, message.Region, message.JobId, observedAt, c);
                        var write = Settle(item, built, delivery, tally, deletes, ref retry);
                        if (write is not null)
                        {
                            written[i] = item.Object;
                            var owned = hold;
                            hold = null;
                            await stream.WriteAsync(DocumentWrite.Index(i, write) with { Hold = owned }, c);
                        }
                    }
                    finally
                    {
                        hold?.Dispose();
                    }
                });
        }
        finally
        {
            var failures = await stream.CompleteAsync();
            // Only what a later delivery can fix is retried; a document Elasticsearch refuses for good fails at once.
            if (failures.FirstOrDefault(f => f.Retryable) is { } retryable && delivery == Delivery.MayRetry)
            {
                retry ??= $"{failures.Count(f => f.Retryable)} documents were not indexed ({retryable.Reason}); the range will be retried";
            }
            else
            {
                foreach (var failure in failures)
                {
                    var obj = written[failure.Tag]!;
                    Log.DocumentFailed(logger, failure.DocumentId, obj.Bucket, obj.Key, failure.Reason);
                    tally.Fail(obj, failure.Reason);
                    tally.Indexed--;
                }
            }
        }

        return (retry, deletes);
    }

    /// <summary>One built object's fate: the document to write, or null (with the reason counted).</summary>
    private S3Document? Settle(Planned item, BuiltDocument built, Delivery delivery, Tally tally, List<string> deletes, ref string? retry)
    {
        var obj = item.Object;
        lock (tally)
        {
            tally.Bytes += built.BytesDownloaded;
            if (built.Document is not null && item.Need == Need.BuildThenDecide)
            {
                if (built.Fate == ObjectFate.Retryable && delivery == Delivery.Last)
                {
                    // Its rule could not see the fetched fields: failing the sync beats indexing what it may exclude.
                    tally.Fail(obj, built.Reason);
                    return null;
                }

                var decision = rules.Decide(obj, FetchedFields.From(built.Document));
                if (decision.Verdict == RuleVerdict.Exclude)
                {
                    Exclude(obj, decision, tally);
                    if (item.InIndex)
                    {
                        deletes.Add(obj.Key);
                    }

                    return null;
                }
            }

            switch (built.Fate)
            {
                case ObjectFate.Gone:
                    Tally.Increment(tally.Skipped, built.Reason!);
                    if (item.InIndex)
                    {
                        deletes.Add(obj.Key);
                    }

                    return null;
                case ObjectFate.Retryable when delivery == Delivery.MayRetry:
                    retry ??= $"reading s3://{obj.Bucket}/{obj.Key} failed; the range will be retried";
                    return null;
                case ObjectFate.Retryable:
                    // Last attempt: keep the object findable by its metadata, and fail the sync.
                    tally.Fail(obj, built.Reason);
                    Tally.Increment(tally.MetadataOnly, built.Reason!);
                    break;
                case ObjectFate.MetadataOnly:
                    Tally.Increment(tally.MetadataOnly, built.Reason!);
                    break;
                case ObjectFate.Content:
                    tally.WithContent++;
                    break;
            }

            tally.Indexed++;
            return built.Document;
        }
    }

    /// <summary>
    /// Deletes the documents of excluded, vanished and unlisted objects (by key), and — when there were more unlisted
    /// documents than were remembered — every unlisted document of the stretch, streamed from the index page by page.
    /// </summary>
    private async Task<string?> DeleteAsync(
        WorkMessage message, KeyRange covered, IReadOnlyList<Planned> planned, List<string> deletes, bool stale, DateTimeOffset observedAt,
        Delivery delivery, Tally tally, CancellationToken ct)
    {
        if (deletes.Count == 0 && !stale)
        {
            return null;
        }

        var listed = planned.Select(p => p.Object.Key).ToHashSet(StringComparer.Ordinal);
        var failures = await sink.WriteAsync(Deletions(), ct);
        if (failures.Count > 0)
        {
            if (failures.FirstOrDefault(f => f.Retryable) is { } retryable && delivery == Delivery.MayRetry)
            {
                return $"{failures.Count(f => f.Retryable)} documents were not deleted ({retryable.Reason}); the range will be retried";
            }

            tally.Failed += failures.Count;
            tally.FirstFailure ??= $"deleting document {failures[0].DocumentId} failed: {failures[0].Reason}";
        }

        return null;

        async IAsyncEnumerable<DocumentWrite> Deletions()
        {
            foreach (var key in deletes)
            {
                tally.Deleted++;
                yield return DocumentWrite.Delete(0, ObjectKeys.DocumentId(message.Bucket, key), observedAt);
            }

            if (!stale)
            {
                yield break;
            }

            await foreach (var indexed in sink.ReadRangeAsync(message.Bucket, covered, ct))
            {
                if (!listed.Contains(indexed.Filename))
                {
                    tally.Deleted++;
                    yield return DocumentWrite.Delete(0, indexed.Id, observedAt);
                }
            }
        }
    }

    private void Exclude(S3ObjectInfo obj, RuleDecision decision, Tally tally)
    {
        Tally.Increment(tally.Skipped, decision.TimedOut ? ObjectReasons.RuleTimeout : ObjectReasons.ExcludedByRule);
        if (decision.TimedOut)
        {
            Log.RuleTimedOut(logger, obj.Bucket, obj.Key, decision.RuleId ?? "");
        }
    }

    private static bool IsListingFailure(Exception e) => e is Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException
        or TruncatedListingException or HttpRequestException or IOException or TimeoutException;

    private WorkOutcome RetryLater(string unitId, string reason)
    {
        Log.UnitRetry(logger, unitId, reason);
        _metrics.Publish(options.IndexName, ConnectorMetrics.RangeRetried());
        return WorkOutcome.Retry(reason);
    }

    private async Task<WorkOutcome> FailUnitAsync(WorkMessage message, UnitDocument unit, string reason, CancellationToken ct)
    {
        Log.UnitFailed(logger, message.UnitId, reason);
        _metrics.Publish(options.IndexName, ConnectorMetrics.RangeFailed());
        await jobs.FinishUnitAsync(unit with
        {
            Status = UnitStatus.Failed,
            Counters = new JobCounters { FailedPages = 1 },
            Error = reason,
            UpdatedAt = time.GetUtcNow(),
        }, ct);
        await completion.FailAsync(message.JobId, reason, ct);
        return WorkOutcome.Permanent(reason);
    }

    public static UnitDocument PendingUnit(WorkMessage message, DateTimeOffset now) => new()
    {
        JobId = message.JobId,
        UnitId = message.UnitId,
        Status = UnitStatus.Pending,
        Bucket = message.Bucket,
        Prefix = message.Range.Prefix,
        Range = message.Range,
        UpdatedAt = now,
    };

    /// <summary>A stretch's counts while it is worked (objects are built concurrently: changed under its lock).</summary>
    private sealed class Tally
    {
        public long Indexed;
        public long WithContent;
        public long Unchanged;
        public long Failed;
        public long Deleted;
        public long Bytes;
        public string? FirstFailure;
        public readonly Dictionary<string, long> Skipped = new(StringComparer.Ordinal);
        public readonly Dictionary<string, long> MetadataOnly = new(StringComparer.Ordinal);

        public void Fail(S3ObjectInfo obj, string? reason)
        {
            Failed++;
            FirstFailure ??= $"s3://{obj.Bucket}/{obj.Key}: {reason}";
        }

        public static void Increment(Dictionary<string, long> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;

        public JobCounters ToCounters(long listed) => new()
        {
            Listed = listed,
            Indexed = Indexed,
            IndexedWithContent = WithContent,
            Unchanged = Unchanged,
            Failed = Failed,
            Deleted = Deleted,
            BytesDownloaded = Bytes,
            Skipped = new Dictionary<string, long>(Skipped, StringComparer.Ordinal),
            MetadataOnly = new Dictionary<string, long>(MetadataOnly, StringComparer.Ordinal),
        };
    }
}
