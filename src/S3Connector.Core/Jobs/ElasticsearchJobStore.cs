using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.Core.Bulk;
using Elastic.Clients.Elasticsearch.QueryDsl;
using System.Buffers;
using System.Text.Json;
using Elastic.Transport;
using S3Connector.Core.Elasticsearch;
using S3Connector.Core.Json;
using S3Connector.Core.Retries;

namespace S3Connector.Core.Jobs;

/// <summary>
/// Jobs and units as documents of one index (<c>jobs_index</c>). Unit writes refresh the index so that a pending
/// count taken right after a write sees it: that is what makes "no pending unit left" a safe completion test.
/// </summary>
public sealed class ElasticsearchJobStore(ElasticsearchClient client, string index, RetryPolicy retry) : IJobStore
{
    private const int PageSize = 1000;

    public Task EnsureAsync(CancellationToken ct) => IndexSetup.EnsureAsync(client, index, IndexSetup.JobsMappings, ct);

    public async Task CreateJobAsync(JobDocument job, CancellationToken ct)
    {
        var response = await retry.SendAsync(c => client.IndexAsync(job, i => i.Index(index).Id(job.JobId).OpType(OpType.Create).Refresh(Refresh.True), c), ct);
        ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, $"creation of sync job {job.JobId}");
    }

    public Task<(JobDocument Job, JobVersion Version)?> GetJobAsync(string jobId, CancellationToken ct) =>
        GetVersionedAsync<JobDocument>(jobId, $"read of sync job {jobId}", ct);

    public Task<bool> TryReplaceJobAsync(JobDocument job, JobVersion version, CancellationToken ct) =>
        TryReplaceAsync(job, job.JobId, version, $"update of sync job {job.JobId}", ct);

    private async Task<(T Document, JobVersion Version)?> GetVersionedAsync<T>(string id, string what, CancellationToken ct)
        where T : class
    {
        var response = await retry.SendAsync(c => client.GetAsync<T>(index, id, c), ct);
        if (response.ApiCallDetails.HttpStatusCode == 404 || (response.IsValidResponse && !response.Found))
        {
            return null;
        }

        ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, what);
        return (response.Source!, new JobVersion(response.SeqNo ?? 0, response.PrimaryTerm ?? 1));
    }

    /// <returns>False when someone changed the document since <paramref name="version"/> (409).</returns>
    private async Task<bool> TryReplaceAsync<T>(T document, string id, JobVersion version, string what, CancellationToken ct)
    {
        var response = await retry.SendAsync(c => client.IndexAsync(document, i => i.Index(index).Id(id)
            .IfSeqNo(version.SeqNo).IfPrimaryTerm(version.PrimaryTerm).Refresh(Refresh.True), c), ct);
        if (response.ApiCallDetails.HttpStatusCode == 409)
        {
            return false;
        }

        ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, what);
        return true;
    }

    public async Task<IReadOnlyList<JobDocument>> ListJobsAsync(string indexName, int count, CancellationToken ct) =>
        await NewestJobsAsync(indexName, activeOnly: false, count, "search for sync jobs", ct);

    public async Task<JobDocument?> FindActiveJobAsync(string indexName, CancellationToken ct) =>
        (await NewestJobsAsync(indexName, activeOnly: true, 1, "search for running sync jobs", ct)).FirstOrDefault();

    private async Task<IReadOnlyList<JobDocument>> NewestJobsAsync(string indexName, bool activeOnly, int count, string what, CancellationToken ct)
    {
        var filters = new List<Query> { new TermQuery("type", "job"), new TermQuery("index_name", indexName) };
        if (activeOnly)
        {
            filters.Add(new TermsQuery("status", new TermsQueryField([JobStatus.Running.Wire(), JobStatus.Finalizing.Wire()])));
        }

        var request = new SearchRequest(index)
        {
            Query = new BoolQuery { Filter = filters },
            Sort = [new SortOptions { Field = new FieldSort("started_at") { Order = SortOrder.Desc } }],
            Size = count,
        };
        var response = await retry.SendAsync(c => client.SearchAsync<JobDocument>(request, c), ct);
        if (response.ApiCallDetails.HttpStatusCode == 404)
        {
            return [];
        }

        ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, what);
        return [.. response.Documents];
    }

    public async Task<bool> TryCreateLockAsync(SyncLock syncLock, CancellationToken ct)
    {
        var id = SyncLock.IdOf(syncLock.IndexName);
        var response = await retry.SendAsync(c => client.IndexAsync(syncLock, i => i.Index(index).Id(id).OpType(OpType.Create).Refresh(Refresh.True), c), ct);
        if (response.ApiCallDetails.HttpStatusCode == 409)
        {
            return false;
        }

        ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, $"creation of the sync lock of index {syncLock.IndexName}");
        return true;
    }

    public async Task<(SyncLock Lock, JobVersion Version)?> GetLockAsync(string indexName, CancellationToken ct) =>
        await GetVersionedAsync<SyncLock>(SyncLock.IdOf(indexName), $"read of the sync lock of index {indexName}", ct);

    public Task<bool> TryReplaceLockAsync(SyncLock syncLock, JobVersion version, CancellationToken ct) =>
        TryReplaceAsync(syncLock, SyncLock.IdOf(syncLock.IndexName), version, $"take-over of the sync lock of index {syncLock.IndexName}", ct);

    public async Task CreatePendingUnitsAsync(IReadOnlyList<UnitDocument> units, CancellationToken ct)
    {
        foreach (var chunk in units.Chunk(500))
        {
            IReadOnlyList<UnitDocument> pending = chunk;
            for (var attempt = 1; pending.Count > 0; attempt++)
            {
                pending = await CreateOnceAsync(pending, attempt == RetryPolicy.MaxAttempts, ct);
                if (pending.Count > 0)
                {
                    await retry.DelayAsync(attempt, ct);
                }
            }
        }
    }

    /// <returns>The units to try again (rejected with a retryable status).</returns>
    private async Task<IReadOnlyList<UnitDocument>> CreateOnceAsync(IReadOnlyList<UnitDocument> units, bool lastAttempt, CancellationToken ct)
    {
        var request = new BulkRequest(index)
        {
            Operations = [.. units.Select(u => new BulkCreateOperation<UnitDocument>(u) { Id = u.UnitId })],
            Refresh = Refresh.True,
        };
        var response = await retry.SendAsync(c => client.BulkAsync(request, c), ct);
        var items = response.Items?.ToList();
        if (items is null || items.Count != units.Count)
        {
            ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, "creation of work units");
            throw new ElasticsearchException("Elasticsearch answered the creation of work units without item results.");
        }

        var again = new List<UnitDocument>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            // 409: the unit exists already (a redelivered message created it before); that is the point of create.
            if (item.Status is >= 200 and < 300 or 409)
            {
                continue;
            }

            if (!lastAttempt && ElasticsearchErrors.IsRetryable(item.Status))
            {
                again.Add(units[i]);
                continue;
            }

            throw new ElasticsearchException(
                $"Elasticsearch refused to record work unit {item.Id}: {item.Status} {item.Error?.Type} {item.Error?.Reason}");
        }

        return again;
    }

    public async Task<JobAndUnit> GetJobAndUnitAsync(string jobId, string unitId, CancellationToken ct)
    {
        var ids = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(ids))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("ids");
            writer.WriteStringValue(jobId);
            writer.WriteStringValue(unitId);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        var response = await retry.SendRawAsync(client, Elastic.Transport.HttpMethod.POST, $"/{Uri.EscapeDataString(index)}/_mget",
            ids.WrittenSpan.ToArray(), "application/json", ct);
        ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, $"read of sync job {jobId} and work unit {unitId}");
        using var document = JsonDocument.Parse(response.Body);
        var docs = document.RootElement.GetProperty("docs");
        JobDocument? job = null;
        var version = default(JobVersion);
        UnitDocument? unit = null;
        foreach (var doc in docs.EnumerateArray())
        {
            if (!doc.TryGetProperty("found", out var found) || !found.GetBoolean())
            {
                continue;
            }

            var source = doc.GetProperty("_source");
            if (doc.GetProperty("_id").GetString() == jobId)
            {
                job = source.Deserialize(ConnectorJson.Default.JobDocument);
                version = new JobVersion(doc.GetProperty("_seq_no").GetInt64(), doc.GetProperty("_primary_term").GetInt64());
            }
            else
            {
                unit = source.Deserialize(ConnectorJson.Default.UnitDocument);
            }
        }

        return new JobAndUnit(job, version, unit);
    }

    public async Task RecordPlanAsync(UnitDocument unit, IReadOnlyList<UnitDocument> successors, CancellationToken ct)
    {
        var lines = new System.Buffers.ArrayBufferWriter<byte>();
        foreach (var successor in successors)
        {
            WriteLine(lines, "create", successor);
        }

        WriteLine(lines, "index", unit);
        var body = lines.WrittenSpan.ToArray();
        for (var attempt = 1; ; attempt++)
        {
            var response = await retry.SendRawAsync(client, Elastic.Transport.HttpMethod.POST, $"/{Uri.EscapeDataString(index)}/_bulk?refresh=true",
                body, "application/x-ndjson", ct);
            var items = BulkItems.Parse(response);
            if (items is null || items.Count != successors.Count + 1)
            {
                // The request as a whole failed, and SendRawAsync has already retried what can succeed.
                ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, $"record of the division of work unit {unit.UnitId}");
                throw new ElasticsearchException($"Elasticsearch answered the division of work unit {unit.UnitId} without item results.");
            }

            // 409 on a create: the successor exists already (an earlier delivery recorded the same plan).
            var failed = items.FindIndex(i => i.Status is not (>= 200 and < 300 or 409));
            if (failed < 0)
            {
                return;
            }

            if (attempt >= RetryPolicy.MaxAttempts || !ElasticsearchErrors.IsRetryable(items[failed].Status))
            {
                throw new ElasticsearchException(
                    $"Elasticsearch refused to record the division of work unit {unit.UnitId}: {items[failed].Status} {items[failed].ErrorType} {items[failed].ErrorReason}");
            }

            await retry.DelayAsync(attempt, ct);
        }
    }

    private static void WriteLine(System.Buffers.ArrayBufferWriter<byte> lines, string action, UnitDocument unit)
    {
        using (var writer = new Utf8JsonWriter(lines))
        {
            writer.WriteStartObject();
            writer.WriteStartObject(action);
            writer.WriteString("_id", unit.UnitId);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        lines.Write("\n"u8);
        using (var writer = new Utf8JsonWriter(lines))
        {
            JsonSerializer.Serialize(writer, unit, ConnectorJson.Default.UnitDocument);
        }

        lines.Write("\n"u8);
    }

    public async Task FinishUnitAsync(UnitDocument unit, CancellationToken ct)
    {
        var response = await retry.SendAsync(c => client.IndexAsync(unit, i => i.Index(index).Id(unit.UnitId).Refresh(Refresh.True), c), ct);
        ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, $"record of work unit {unit.UnitId}");
    }

    public async Task<long> CountPendingUnitsAsync(string jobId, CancellationToken ct)
    {
        var response = await retry.SendAsync(c => client.CountAsync(new CountRequest(index) { Query = UnitsOf(jobId, UnitStatus.Pending.Wire()) }, c), ct);
        ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, $"count of pending work units of job {jobId}");
        return response.Count;
    }

    public async Task<DateTimeOffset?> LastUnitUpdateAsync(string jobId, CancellationToken ct)
    {
        var request = new SearchRequest(index)
        {
            Query = UnitsOf(jobId, status: null),
            Sort = [new SortOptions { Field = new FieldSort("updated_at") { Order = SortOrder.Desc } }],
            Size = 1,
            TrackTotalHits = new Elastic.Clients.Elasticsearch.Core.Search.TrackHits(false),
        };
        var response = await retry.SendAsync(c => client.SearchAsync<UnitDocument>(request, c), ct);
        ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, $"read of the newest work unit of job {jobId}");
        return response.Documents.FirstOrDefault()?.UpdatedAt;
    }

    public async Task<UnitTotals> SumUnitsAsync(string jobId, CancellationToken ct)
    {
        var sum = new JobCounters();
        string? firstError = null;
        ICollection<FieldValue>? searchAfter = null;
        while (true)
        {
            var request = new SearchRequest(index)
            {
                Query = UnitsOf(jobId, status: null),
                Sort = [new SortOptions { Field = new FieldSort("unit_id") { Order = SortOrder.Asc } }],
                Size = PageSize,
                SearchAfter = searchAfter,
                TrackTotalHits = new Elastic.Clients.Elasticsearch.Core.Search.TrackHits(false),
            };
            var response = await retry.SendAsync(c => client.SearchAsync<UnitDocument>(request, c), ct);
            ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, $"read of work units of job {jobId}");
            var hits = response.Hits;
            foreach (var hit in hits)
            {
                if (hit.Source?.Counters is { } counters)
                {
                    sum = JobCounters.Sum(sum, counters);
                }

                firstError ??= hit.Source?.Error;
            }

            if (hits.Count < PageSize)
            {
                return new UnitTotals(sum, firstError);
            }

            searchAfter = hits.Last().Sort?.ToList();
        }
    }

    private static Query UnitsOf(string jobId, string? status)
    {
        var filters = new List<Query> { new TermQuery("type", "unit"), new TermQuery("job_id", jobId) };
        if (status is not null)
        {
            filters.Add(new TermQuery("status", status));
        }

        return new BoolQuery { Filter = filters };
    }
}
