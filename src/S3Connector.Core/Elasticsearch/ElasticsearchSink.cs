using System.Runtime.CompilerServices;
using Elastic.Clients.Elasticsearch;
using Elastic.Transport;
using Microsoft.Extensions.Logging;
using S3Connector.Core.Configuration;
using S3Connector.Core.Diagnostics;
using S3Connector.Core.Retries;
using S3Connector.Core.Sync;

namespace S3Connector.Core.Elasticsearch;

/// <summary>Bulk indexing into the content index, flushed by count and bytes, retrying only what can succeed.</summary>
public sealed class ElasticsearchSink(ElasticsearchClient client, ConnectorOptions options, RetryPolicy retry, ILogger<ElasticsearchSink> logger)
    : IDocumentSink
{
    /// <summary>Documents per search page when reading a range: one page covers a usual listing page.</summary>
    private const int ReadPageSize = 1000;

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

    public async Task<IReadOnlyList<WriteFailure>> WriteAsync(IAsyncEnumerable<DocumentWrite> writes, CancellationToken ct) =>
        (await SendAllAsync(writes.Select(w => BulkLine.From(w)), ct))
            .ConvertAll(f => new WriteFailure(f.Line.Tag, f.Line.Id, f.Reason, f.Retryable));

    /// <summary>
    /// Serializes each write as it is read and sends a request as soon as the next line would overflow
    /// bulk_max_documents or bulk_max_bytes: the sink holds one request's lines, so a caller that streams its writes
    /// never needs a whole batch of documents in memory.
    /// </summary>
    private async Task<List<(BulkLine Line, string Reason, bool Retryable)>> SendAllAsync(IAsyncEnumerable<BulkLine> lines, CancellationToken ct)
    {
        var failures = new List<(BulkLine, string, bool)>();
        var chunk = new List<BulkLine>();
        long bytes = 0;
        try
        {
            await foreach (var line in lines.WithCancellation(ct))
            {
                if (chunk.Count > 0 && (chunk.Count >= options.BulkMaxDocuments || bytes + line.Length > options.BulkMaxBytes))
                {
                    failures.AddRange(await SendWithRetryAsync(chunk, ct));
                    Release(chunk);
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
        }
        finally
        {
            Release(chunk);
        }

        return failures;

        // The documents' memory goes back to the budget as soon as their request is done, not when the batch is.
        static void Release(List<BulkLine> sent)
        {
            foreach (var line in sent)
            {
                line.Hold?.Dispose();
            }
        }
    }

    /// <summary>
    /// The _bulk body is written here rather than with the client's typed operations: a typed operation carrying a
    /// version_type fails at run time under Native AOT (the client's converter for it is trimmed away), and writing
    /// each line once also gives the exact request size for flushing.
    /// </summary>
    private async Task<List<(BulkLine Line, string Reason, bool Retryable)>> SendWithRetryAsync(List<BulkLine> lines, CancellationToken ct)
    {
        // Here rather than up front: a batch of events that all turn out ignored costs no request at all.
        await EnsureIndexOnceAsync(ct);

        var pending = lines;
        var failures = new List<(BulkLine, string, bool)>();
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
                if (ElasticsearchErrors.IsRetryable(status) && attempt < RetryPolicy.MaxAttempts)
                {
                    Log.BulkRetry(logger, pending.Count, attempt, reason);
                    await retry.DelayAsync(attempt, ct);
                    continue;
                }

                var retryable = ElasticsearchErrors.IsRetryable(status);
                failures.AddRange(pending.Select(l => (l, reason, retryable)));
                return failures;
            }

            var again = new List<BulkLine>();
            for (var i = 0; i < items.Count; i++)
            {
                var item = items[i];
                // 409: the document was written from a newer reading of the object; 404 on delete: already gone.
                if (item.Status is >= 200 and < 300 or 409 || item.Status == 404 && pending[i].IsDelete)
                {
                    continue;
                }

                var reason = $"Elasticsearch rejected the document ({item.Status} {item.ErrorType}: {item.ErrorReason})";
                if (ElasticsearchErrors.IsRetryable(item.Status) && attempt < RetryPolicy.MaxAttempts)
                {
                    again.Add(pending[i]);
                }
                else
                {
                    failures.Add((pending[i], reason, ElasticsearchErrors.IsRetryable(item.Status)));
                }
            }

            if (again.Count == 0)
            {
                return failures;
            }

            Log.BulkRetry(logger, again.Count, attempt, "items rejected with a retryable status");
            pending = again;
            await retry.DelayAsync(attempt, ct);
        }
    }

    private static readonly RequestConfiguration BulkRequestConfiguration = new()
    {
        ContentType = "application/x-ndjson",
        Accept = "application/json",
    };

    public async IAsyncEnumerable<IndexedObject> ReadRangeAsync(
        string bucket, KeyRange range, [EnumeratorCancellation] CancellationToken ct)
    {
        string? searchAfter = null;
        while (true)
        {
            var body = RangeQueries.Search(bucket, range, searchAfter, ReadPageSize);
            var response = await retry.SendRawAsync(client, Elastic.Transport.HttpMethod.POST, "/" + Uri.EscapeDataString(Index) + "/_search", body, "application/json", ct);
            if (response.ApiCallDetails.HttpStatusCode == 404)
            {
                yield break;
            }

            var hits = RangeQueries.ParseHits(response, $"search of index '{Index}' for s3://{bucket}/{range}");
            foreach (var hit in hits)
            {
                yield return hit;
            }

            if (hits.Count < ReadPageSize)
            {
                yield break;
            }

            searchAfter = hits[^1].Filename;
        }
    }

    public async Task<long> DeleteOutsideAsync(IReadOnlyList<ListingScope> scopes, CancellationToken ct)
    {
        // Without a refresh, documents written since the last refresh are invisible to the query's snapshot.
        var refresh = await retry.SendAsync(c => client.Indices.RefreshAsync(Index, c), ct);
        ElasticsearchErrors.ThrowIfFailed(refresh.ApiCallDetails, $"refresh of index '{Index}'");
        // Run as a task and polled: a client timeout while it runs then re-sends only the poll, never the delete.
        var what = $"delete by query on index '{Index}'";
        var started = await retry.SendRawAsync(client, Elastic.Transport.HttpMethod.POST,
            "/" + Uri.EscapeDataString(Index) + "/_delete_by_query?conflicts=proceed&refresh=true&wait_for_completion=false",
            RangeQueries.OutsideScopes(scopes), "application/json", ct);
        var task = RangeQueries.ParseTaskId(started, what);
        // Each poll waits for the end, well inside the client's request timeout.
        var wait = Math.Clamp(options.Elasticsearch.RequestTimeoutSeconds / 2, 1, 30);
        var poll = "/_tasks/" + Uri.EscapeDataString(task) + "?wait_for_completion=true&timeout=" + wait.ToString(System.Globalization.CultureInfo.InvariantCulture) + "s";
        for (var attempt = 1; ; attempt++)
        {
            var status = await retry.SendRawAsync(client, Elastic.Transport.HttpMethod.GET, poll, [], "application/json", ct);
            if (status.ApiCallDetails.HttpStatusCode == 408)
            {
                continue; // still running after the poll's timeout
            }

            if (RangeQueries.ParseDeleteTask(status, what) is { } deleted)
            {
                return deleted;
            }

            // Answered before the end without waiting (a server that ignores wait_for_completion): back off.
            await retry.DelayAsync(Math.Min(attempt, RetryPolicy.MaxAttempts), ct);
        }
    }
}
