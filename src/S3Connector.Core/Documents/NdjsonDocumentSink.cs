using System.Text;
using System.Text.Json;
using S3Connector.Core.Elasticsearch;
using S3Connector.Core.Json;
using S3Connector.Core.Sync;

namespace S3Connector.Core.Documents;

/// <summary>The sink of <c>sync --dry-run</c>: one JSON document per line, with its <c>_id</c>, as it would be indexed.</summary>
public sealed class NdjsonDocumentSink(string path) : IDocumentSink, IDisposable
{
    private readonly StreamWriter _writer = new(path, append: false, new UTF8Encoding(false));
    private readonly SemaphoreSlim _lock = new(1, 1);

    public Task EnsureIndexAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>Writes the documents to index, one line each, with <c>_id</c> first; a dry run never deletes.</summary>
    public async Task<IReadOnlyList<WriteFailure>> WriteAsync(IAsyncEnumerable<DocumentWrite> writes, CancellationToken ct)
    {
        await foreach (var write in writes.WithCancellation(ct))
        {
            using var hold = write.Hold;
            if (write.Document is not { } document)
            {
                continue;
            }

            // The document serialized as it would be indexed, with "_id" spliced in as its first member; written one
            // at a time, so a batch of large documents is never held whole.
            var json = JsonSerializer.Serialize(document, ConnectorJson.Default.S3Document);
            var line = "{\"_id\":" + JsonSerializer.Serialize(document.Id, ConnectorJson.Default.String) + "," + json[1..] + "\n";
            await _lock.WaitAsync(ct);
            try
            {
                await _writer.WriteAsync(line.AsMemory(), ct);
            }
            finally
            {
                _lock.Release();
            }
        }

        await _lock.WaitAsync(ct);
        try
        {
            // Once per batch: what was written is on disk when the batch's unit is recorded done.
            await _writer.FlushAsync(ct);
        }
        finally
        {
            _lock.Release();
        }

        return [];
    }

    /// <summary>A dry run reads no index: every object is written to the file, as into an empty index.</summary>
    public IAsyncEnumerable<IndexedObject> ReadRangeAsync(string bucket, KeyRange range, CancellationToken ct) =>
        AsyncEnumerable.Empty<IndexedObject>();

    /// <summary>A dry run never deletes.</summary>
    public Task<long> DeleteOutsideAsync(IReadOnlyList<ListingScope> scopes, CancellationToken ct) => Task.FromResult(0L);

    public void Dispose()
    {
        _writer.Dispose();
        _lock.Dispose();
    }
}
