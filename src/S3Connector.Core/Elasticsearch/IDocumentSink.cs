using S3Connector.Core.Budgets;
using S3Connector.Core.Documents;
using S3Connector.Core.Sync;

namespace S3Connector.Core.Elasticsearch;

/// <summary>
/// One write of a mixed batch: a document to index, or a document to delete as of the reading that found its object
/// gone or excluded. <see cref="Tag"/> is the caller's, handed back with a failure so it can tell which write failed
/// even when one id is written twice.
/// </summary>
/// <param name="Document">The document to index; null for a delete.</param>
public sealed record DocumentWrite(int Tag, string Id, DateTimeOffset ObservedAt, S3Document? Document)
{
    /// <summary>
    /// The memory the document took from the budget (<see cref="DocumentBuilder.ReserveAsync"/>): a sink disposes it
    /// once the document is sent or written, and the <see cref="WriteStream"/> disposes whatever a sink left.
    /// </summary>
    public BudgetHold? Hold { get; init; }

    public static DocumentWrite Index(int tag, S3Document document) => new(tag, document.Id, document.ObservedAt, document);

    public static DocumentWrite Delete(int tag, string id, DateTimeOffset observedAt) => new(tag, id, observedAt, null);
}

/// <summary>A write of <see cref="IDocumentSink.WriteAsync"/> that could not be done, by its tag.</summary>
/// <param name="Retryable">False when sending it again cannot succeed (a mapping error, a document too large): the
/// object fails at once with the reason instead of its whole range or event being retried.</param>
public sealed record WriteFailure(int Tag, string DocumentId, string Reason, bool Retryable);

/// <summary>What the index holds for one object: enough to tell whether the object changed since it was written.</summary>
public sealed record IndexedObject(string Id, string Filename, string? Fingerprint);

/// <summary>Where documents go: Elasticsearch, or a file for <c>sync --dry-run</c>.</summary>
public interface IDocumentSink
{
    Task EnsureIndexAsync(CancellationToken ct);

    /// <summary>
    /// Indexes and deletes, in the order given, while <paramref name="writes"/> is still being produced: a bulk request
    /// is sent whenever the writes read so far fill one, so the caller never holds more than a request's worth.
    /// Deletes carry the time the object was seen gone as their version, so a document written from a newer reading
    /// is kept. Returns the writes that failed after retrying what can succeed.
    /// </summary>
    Task<IReadOnlyList<WriteFailure>> WriteAsync(IAsyncEnumerable<DocumentWrite> writes, CancellationToken ct);

    /// <summary>
    /// The documents of <paramref name="bucket"/> whose key lies in <paramref name="range"/>, streamed in pages (memory
    /// does not grow with the index). What a range reconciles its listing against.
    /// </summary>
    IAsyncEnumerable<IndexedObject> ReadRangeAsync(string bucket, KeyRange range, CancellationToken ct);

    /// <summary>
    /// Removes every document outside all <paramref name="scopes"/> (a bucket or prefix no longer synced): inside
    /// them each range has reconciled its own keys. Returns how many were deleted.
    /// </summary>
    Task<long> DeleteOutsideAsync(IReadOnlyList<ListingScope> scopes, CancellationToken ct);
}
