using Elastic.Clients.Elasticsearch;
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
        if (await IndexSetup.EnsureContentAsync(client, Index, ct) is { } refusal)
        {
            Log.GcDeletesRefused(logger, Index, refusal.Length > 300 ? refusal[..300] : refusal);
        }

        _indexReady = true;
    }

    /// <summary>
    /// Events may write (or delete, leaving a versioned tombstone) before any full sync ran: without this the index
    /// would be auto-created with dynamic mappings (id as text, _timestamp guessed). Once per process at most.
    /// </summary>
    private Task EnsureIndexOnceAsync(CancellationToken ct) => _indexReady ? Task.CompletedTask : EnsureIndexAsync(ct);

    public async Task<IReadOnlyList<ItemFailure>> IndexAsync(IReadOnlyList<S3Document> documents, CancellationToken ct) =>
        (await SendAllAsync(documents.Select(d => BulkLine.Index(d)).ToAsyncEnumerable(), ct))
            .ConvertAll(f => new ItemFailure(f.Line.Id, f.Reason));

    public async Task<IReadOnlyList<ItemFailure>> DeleteAsync(
        IReadOnlyList<(string Id, DateTimeOffset ObservedAt)> deletions, CancellationToken ct) =>
        (await SendAllAsync(deletions.Select(d => BulkLine.Delete(d.Id, d.ObservedAt)).ToAsyncEnumerable(), ct))
            .ConvertAll(f => new ItemFailure(f.Line.Id, f.Reason));

    public async Task<IReadOnlyList<WriteFailure>> WriteAsync(IAsyncEnumerable<DocumentWrite> writes, CancellationToken ct) =>
        (await SendAllAsync(writes.Select(w => BulkLine.From(w)), ct))
            .ConvertAll(f => new WriteFailure(f.Line.Tag, f.Line.Id, f.Reason));

    /// <summary>
    /// Serializes each write as it is read and sends a request as soon as the next line would overflow
    /// bulk_max_documents or bulk_max_bytes: the sink holds one request's lines, so a caller that streams its writes
    /// never needs a whole batch of documents in memory.
    /// </summary>
    private async Task<List<(BulkLine Line, string Reason)>> SendAllAsync(IAsyncEnumerable<BulkLine> lines, CancellationToken ct)
    {
        var failures = new List<(BulkLine, string)>();
        var chunk = new List<BulkLine>();
        long bytes = 0;
        await foreach (var line in lines.WithCancellation(ct))
        {
            if (chunk.Count > 0 && (chunk.Count >= options.BulkMaxDocuments || bytes + line.Length > options.BulkMaxBytes))
            {
                failures.AddRange(await SendWithRetryAsync(chunk, ct));
                chunk = [];
                bytes = 0;
            }

            chunk.Add(line);
            bytes += line.Length;
        }

        if (chunk.Count > 0)
        {
            failures.AddRange(await SendWithRetryAsync(chunk, ct));
        }

        return failures;
    }

    /// <summary>
    /// The _bulk body is written here rather than with the client's typed operations: a typed operation carrying a
    /// version_type fails at run time under Native AOT (the client's converter for it is trimmed away), and writing
    /// each line once also gives the exact request size for flushing.
    /// </summary>
    private async Task<List<(BulkLine Line, string Reason)>> SendWithRetryAsync(List<BulkLine> lines, CancellationToken ct)
    {
        // Here rather than up front: a batch of events that all turn out ignored costs no request at all.
        await EnsureIndexOnceAsync(ct);

        var pending = lines;
        var failures = new List<(BulkLine, string)>();
        var path = "/" + Uri.EscapeDataString(Index) + "/_bulk"
            + (options.Extraction == ExtractionMode.Pipeline ? "?pipeline=" + Uri.EscapeDataString(options.Pipeline) : "");
        for (var attempt = 1; ; attempt++)
        {
            var response = await client.Transport.RequestAsync<BytesResponse>(
                Elastic.Transport.HttpMethod.POST, path, PostData.ReadOnlyMemory(BulkLine.Body(pending)), BulkRequestConfiguration, ct);
            var items = BulkItems.Parse(response);
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

                failures.AddRange(pending.Select(l => (l, reason)));
                return failures;
            }

            var retry = new List<BulkLine>();
            for (var i = 0; i < items.Count; i++)
            {
                var item = items[i];
                // 409: the document was written from a newer reading of the object; 404 on delete: already gone.
                if (item.Status is >= 200 and < 300 or 409 || item.Status == 404 && pending[i].IsDelete)
                {
                    continue;
                }

                var reason = $"Elasticsearch rejected the document ({item.Status} {item.ErrorType}: {item.ErrorReason})";
                if (ElasticsearchErrors.IsRetryable(item.Status) && attempt < MaxAttempts)
                {
                    retry.Add(pending[i]);
                }
                else
                {
                    failures.Add((pending[i], reason));
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

    private static readonly RequestConfiguration BulkRequestConfiguration = new()
    {
        ContentType = "application/x-ndjson",
        Accept = "application/json",
    };

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
