using System.Collections.Concurrent;
using System.Threading.Channels;
using S3Connector.Core.Budgets;

namespace S3Connector.Core.Elasticsearch;

/// <summary>
/// Hands writes to <see cref="IDocumentSink.WriteAsync"/> while they are still being produced (documents built
/// concurrently, S3 read by S3), so a batch costs one bulk request, or a few where the sink's flush limits split it,
/// and no more than <c>capacity</c> built documents wait for the sink. However the sink ends, the stream is closed,
/// so no producer can wait forever for room in it.
/// </summary>
public sealed class WriteStream
{
    private readonly Channel<DocumentWrite> _writes;
    private readonly Task<IReadOnlyList<WriteFailure>> _sending;
    private readonly ConcurrentBag<BudgetHold> _holds = [];

    private WriteStream(IDocumentSink sink, int capacity, CancellationToken ct)
    {
        _writes = Channel.CreateBounded<DocumentWrite>(new BoundedChannelOptions(capacity) { SingleReader = true });
        _sending = SendAsync(sink, ct);
    }

    public static WriteStream Open(IDocumentSink sink, int capacity, CancellationToken ct) => new(sink, capacity, ct);

    /// <summary>
    /// From this call on the stream owns the write's <see cref="DocumentWrite.Hold"/>: a write it cannot take gives its
    /// bytes back at once, and one it took gives them back when the sink has sent it, or when the stream ends.
    /// </summary>
    public async ValueTask WriteAsync(DocumentWrite write, CancellationToken ct)
    {
        // Kept before the write: a write accepted is then always seen by the release at the end (a hold disposed twice
        // gives its bytes back once).
        if (write.Hold is { } hold)
        {
            _holds.Add(hold);
        }

        try
        {
            await _writes.Writer.WriteAsync(write, ct);
        }
        catch
        {
            write.Hold?.Dispose();
            throw;
        }
    }

    /// <summary>Ends the stream and waits for the sink: the writes that failed after its retries.</summary>
    public Task<IReadOnlyList<WriteFailure>> CompleteAsync()
    {
        _writes.Writer.TryComplete();
        return _sending;
    }

    private async Task<IReadOnlyList<WriteFailure>> SendAsync(IDocumentSink sink, CancellationToken ct)
    {
        Exception? error = null;
        try
        {
            // Yield first: the sink must not run on the producer's stack before the stream is returned.
            await Task.Yield();
            return await sink.WriteAsync(_writes.Reader.ReadAllAsync(ct), ct);
        }
        catch (Exception e)
        {
            error = e;
            throw;
        }
        finally
        {
            _writes.Writer.TryComplete(error);
            // Whatever the sink did not give back (it failed, or it is a sink that does not), and writes it never read.
            foreach (var hold in _holds)
            {
                hold.Dispose();
            }
        }
    }
}
