using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.Core.Bulk;
using Elastic.Clients.Elasticsearch.QueryDsl;
using S3Connector.Core.Elasticsearch;

namespace S3Connector.Core.Jobs;

/// <summary>
/// Jobs and units as documents of one index (<c>jobs_index</c>). Unit writes refresh the index so that a pending
/// count taken right after a write sees it: that is what makes "no pending unit left" a safe completion test.
/// </summary>
public sealed class ElasticsearchJobStore(ElasticsearchClient client, string index) : IJobStore
{
    private const int PageSize = 1000;

    public Task EnsureAsync(CancellationToken ct) => IndexSetup.EnsureAsync(client, index, IndexSetup.JobsMappings, ct);

    public async Task CreateJobAsync(JobDocument job, CancellationToken ct)
    {
        var response = await client.IndexAsync(job, i => i.Index(index).Id(job.JobId).OpType(OpType.Create).Refresh(Refresh.True), ct);
        ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, $"creation of sync job {job.JobId}");
    }

    public async Task<(JobDocument Job, JobVersion Version)?> GetJobAsync(string jobId, CancellationToken ct)
    {
        var response = await client.GetAsync<JobDocument>(index, jobId, ct);
        if (response.ApiCallDetails.HttpStatusCode == 404 || (response.IsValidResponse && !response.Found))
        {
            return null;
        }

        ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, $"read of sync job {jobId}");
        return (response.Source!, new JobVersion(response.SeqNo ?? 0, response.PrimaryTerm ?? 1));
    }

    public async Task<bool> TryReplaceJobAsync(JobDocument job, JobVersion version, CancellationToken ct)
    {
        var response = await client.IndexAsync(job, i => i.Index(index).Id(job.JobId)
            .IfSeqNo(version.SeqNo).IfPrimaryTerm(version.PrimaryTerm).Refresh(Refresh.True), ct);
        if (response.ApiCallDetails.HttpStatusCode == 409)
        {
            return false;
        }

        ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, $"update of sync job {job.JobId}");
        return true;
    }

    public async Task<JobDocument?> FindActiveJobAsync(string indexName, CancellationToken ct)
    {
        var request = new SearchRequest(index)
        {
            Query = new BoolQuery
            {
                Filter =
                [
                    new TermQuery("type", "job"),
                    new TermQuery("index_name", indexName),
                    new TermsQuery("status", new TermsQueryField([JobStatus.Running, JobStatus.Finalizing])),
                ],
            },
            Sort = [new SortOptions { Field = new FieldSort("started_at") { Order = SortOrder.Desc } }],
            Size = 1,
        };
        var response = await client.SearchAsync<JobDocument>(request, ct);
        if (response.ApiCallDetails.HttpStatusCode == 404)
        {
            return null;
        }

        ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, "search for running sync jobs");
        return response.Documents.FirstOrDefault();
    }

    public async Task CreatePendingUnitsAsync(IReadOnlyList<UnitDocument> units, CancellationToken ct)
    {
        foreach (var chunk in units.Chunk(500))
        {
            var request = new BulkRequest(index)
            {
                Operations = [.. chunk.Select(u => new BulkCreateOperation<UnitDocument>(u) { Id = u.UnitId })],
                Refresh = Refresh.True,
            };
            var response = await client.BulkAsync(request, ct);
            if (response.Items is null || response.Items.Count != chunk.Length)
            {
                ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, "creation of work units");
                throw new ElasticsearchException("Elasticsearch answered the creation of work units without item results.");
            }

            // 409: the unit exists already (a redelivered message created it before); that is the point of create.
            var failed = response.Items.FirstOrDefault(i => i.Status is not (>= 200 and < 300) and not 409);
            if (failed is not null)
            {
                throw new ElasticsearchException(
                    $"Elasticsearch refused to record work unit {failed.Id}: {failed.Status} {failed.Error?.Type} {failed.Error?.Reason}");
            }
        }
    }

    public async Task<UnitDocument?> GetUnitAsync(string unitId, CancellationToken ct)
    {
        var response = await client.GetAsync<UnitDocument>(index, unitId, ct);
        if (response.ApiCallDetails.HttpStatusCode == 404 || (response.IsValidResponse && !response.Found))
        {
            return null;
        }

        ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, $"read of work unit {unitId}");
        return response.Source;
    }

    public async Task FinishUnitAsync(UnitDocument unit, CancellationToken ct)
    {
        var response = await client.IndexAsync(unit, i => i.Index(index).Id(unit.UnitId).Refresh(Refresh.True), ct);
        ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, $"record of work unit {unit.UnitId}");
    }

    public async Task<long> CountPendingUnitsAsync(string jobId, CancellationToken ct)
    {
        var response = await client.CountAsync(new CountRequest(index) { Query = UnitsOf(jobId, UnitStatus.Pending) }, ct);
        ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, $"count of pending work units of job {jobId}");
        return response.Count;
    }

    public async Task<JobCounters> SumUnitCountersAsync(string jobId, CancellationToken ct)
    {
        var sum = new JobCounters();
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
            var response = await client.SearchAsync<UnitDocument>(request, ct);
            ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, $"read of work units of job {jobId}");
            var hits = response.Hits;
            foreach (var hit in hits)
            {
                if (hit.Source?.Counters is { } counters)
                {
                    sum = JobCounters.Sum(sum, counters);
                }
            }

            if (hits.Count < PageSize)
            {
                return sum;
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
