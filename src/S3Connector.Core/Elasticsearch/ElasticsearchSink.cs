using System.Text;
using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.Core.Bulk;
using Elastic.Clients.Elasticsearch.QueryDsl;
using Elastic.Transport;
using Microsoft.Extensions.Logging;
using S3Connector.Core.Configuration;
using S3Connector.Core.Diagnostics;
using S3Connector.Core.Documents;

namespace S3Connector.Core.Elasticsearch;

/// <summary>Bulk indexing into the content index, flushed by count and bytes, retrying only what can succeed.</summary>
public sealed class ElasticsearchSink(ElasticsearchClient client, ConnectorOptions options, ILogger<ElasticsearchSink> logger)
    : IDocumentSink
{
    private const int MaxAttempts = 6;
    private static readonly TimeSpan InitialDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(20);

    private volatile bool _indexReady;

    private string Index => options.IndexName;

    public async Task EnsureIndexAsync(CancellationToken ct)
    {
        await IndexSetup.EnsureAsync(client, Index, IndexSetup.ContentMappings, ct);
        _indexReady = true;
    }

    public async Task<IReadOnlyList<ItemFailure>> IndexAsync(IReadOnlyList<S3Document> documents, CancellationToken ct)
    {
        // Events may write before any full sync ran: without this the index would be auto-created with dynamic
        // mappings (id as text, _timestamp guessed), once per process at most.
        if (!_indexReady)
        {
            await EnsureIndexAsync(ct);
        }

        var failures = new List<ItemFailure>();
        foreach (var chunk in Chunk(documents))
        {
            var operations = chunk.Select(d => (d.Id, (IBulkOperation)new BulkIndexOperation<S3Document>(d)
            {
                Id = d.Id,
                Version = d.Version,
                VersionType = VersionType.ExternalGte,
            })).ToList();
            failures.AddRange(await SendWithRetryAsync(operations, ct));
        }

        return failures;
    }

    public async Task<IReadOnlyList<ItemFailure>> DeleteAsync(
        IReadOnlyList<(string Id, DateTimeOffset ObservedAt)> deletions, CancellationToken ct)
    {
        // The versioned tombstone must land even before the first document, or a late older write could win.
        if (!_indexReady)
        {
            await EnsureIndexAsync(ct);
        }

        var failures = new List<ItemFailure>();
        foreach (var chunk in deletions.Chunk(options.BulkMaxDocuments))
        {
            var operations = chunk.Select(d => (d.Id, (IBulkOperation)new BulkDeleteOperation(d.Id)
            {
                Version = d.ObservedAt.ToUnixTimeMilliseconds(),
                VersionType = VersionType.ExternalGte,
            })).ToList();
            failures.AddRange(await SendWithRetryAsync(operations, ct));
        }

        return failures;
    }

    private IEnumerable<List<S3Document>> Chunk(IReadOnlyList<S3Document> documents)
    {
        var chunk = new List<S3Document>();
        long bytes = 0;
        foreach (var document in documents)
        {
            var size = EstimateBytes(document);
            if (chunk.Count > 0 && (chunk.Count >= options.BulkMaxDocuments || bytes + size > options.BulkMaxBytes))
            {
                yield return chunk;
                chunk = [];
                bytes = 0;
            }

            chunk.Add(document);
            bytes += size;
        }

        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    /// <summary>Body text dominates a document's size; the rest is a few hundred bytes of metadata.</summary>
    internal static long EstimateBytes(S3Document d) =>
        512 + Encoding.UTF8.GetMaxByteCount(d.Filename.Length) + (d.Body?.Length ?? 0) * 3L / 2 + (d.Attachment?.Length ?? 0);

    private async Task<List<ItemFailure>> SendWithRetryAsync(List<(string Id, IBulkOperation Operation)> operations, CancellationToken ct)
    {
        var pending = operations;
        var failures = new List<ItemFailure>();
        for (var attempt = 1; ; attempt++)
        {
            var request = new BulkRequest(Index)
            {
                Operations = [.. pending.Select(o => o.Operation)],
                Pipeline = options.Extraction == ExtractionMode.Pipeline ? options.Pipeline : null,
            };
            var response = await client.BulkAsync(request, ct);
            var items = response.Items?.ToList();
            if (items is null || items.Count != pending.Count)
            {
                var status = response.ApiCallDetails.HttpStatusCode;
                var reason = ElasticsearchErrors.Describe(response.ApiCallDetails, "bulk request");
                if (ElasticsearchErrors.IsRetryable(status) && attempt < MaxAttempts)
                {
                    Log.BulkRetry(logger, pending.Count, attempt, reason);
                    await Task.Delay(Backoff.Delay(attempt, InitialDelay, MaxDelay), ct);
                    continue;
                }

                failures.AddRange(pending.Select(o => new ItemFailure(o.Id, reason)));
                return failures;
            }

            var retry = new List<(string, IBulkOperation)>();
            for (var i = 0; i < items.Count; i++)
            {
                var item = items[i];
                // 409: the document was written from a newer reading of the object; 404 on delete: already gone.
                if (item.Status is >= 200 and < 300 or 409 || item.Status == 404 && pending[i].Operation is BulkDeleteOperation)
                {
                    continue;
                }

                var reason = $"Elasticsearch rejected the document ({item.Status} {item.Error?.Type}: {item.Error?.Reason})";
                if (ElasticsearchErrors.IsRetryable(item.Status) && attempt < MaxAttempts)
                {
                    retry.Add(pending[i]);
                }
                else
                {
                    failures.Add(new ItemFailure(pending[i].Id, reason));
                }
            }

            if (retry.Count == 0)
            {
                return failures;
            }

            Log.BulkRetry(logger, retry.Count, attempt, "items rejected with a retryable status");
            pending = retry;
            await Task.Delay(Backoff.Delay(attempt, InitialDelay, MaxDelay), ct);
        }
    }

    public async Task<long> DeleteUnseenAsync(DateTimeOffset syncStartedAt, CancellationToken ct)
    {
        // Without a refresh, documents this sync wrote since the last refresh are invisible to the query, and their
        // older copies would be deleted.
        var refresh = await ElasticsearchRetry.SendAsync(c => client.Indices.RefreshAsync(Index, c), ct);
        ElasticsearchErrors.ThrowIfFailed(refresh.ApiCallDetails, $"refresh of index '{Index}'");
        var request = new DeleteByQueryRequest(Index)
        {
            Query = new BoolQuery
            {
                MustNot = [new DateRangeQuery(S3Document.ObservedAtField) { Gte = syncStartedAt.UtcDateTime }],
            },
            Conflicts = Conflicts.Proceed,
            Refresh = true,
            WaitForCompletion = true,
        };
        var response = await ElasticsearchRetry.SendAsync(c => client.DeleteByQueryAsync(request, c), ct);
        ElasticsearchErrors.ThrowIfFailed(response.ApiCallDetails, $"delete by query on index '{Index}'");
        if (response.Failures is { Count: > 0 } failed)
        {
            throw new ElasticsearchException(
                $"Deleting stale documents from index '{Index}' failed for {failed.Count} documents: {failed.First().Cause.Reason}");
        }

        return response.Deleted ?? 0;
    }
}
