using S3Connector.Core.Elasticsearch;
using S3Connector.Core.Sync;

namespace S3Connector.Testing;

/// <summary>
/// A document sink for tests of the completion path: it accepts every write, reads an empty index, and counts the
/// finalize's deletions outside the scopes, each reporting <paramref name="deletedOutside"/> documents removed.
/// </summary>
public sealed class CountingSink(long deletedOutside = 0) : IDocumentSink
{
    private int _deleteCalls;

    public int DeleteCalls => _deleteCalls;

    public Task EnsureIndexAsync(CancellationToken ct) => Task.CompletedTask;

    public Task<IReadOnlyList<WriteFailure>> WriteAsync(IAsyncEnumerable<DocumentWrite> writes, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<WriteFailure>>([]);

    public IAsyncEnumerable<IndexedObject> ReadRangeAsync(string bucket, KeyRange range, CancellationToken ct) =>
        AsyncEnumerable.Empty<IndexedObject>();

    public Task<long> DeleteOutsideAsync(IReadOnlyList<ListingScope> scopes, CancellationToken ct)
    {
        Interlocked.Increment(ref _deleteCalls);
        return Task.FromResult(deletedOutside);
    }
}
