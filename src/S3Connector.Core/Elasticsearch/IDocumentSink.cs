using S3Connector.Core.Documents;

namespace S3Connector.Core.Elasticsearch;

/// <summary>One document that could not be written, with a reason safe to log and show.</summary>
public sealed record ItemFailure(string DocumentId, string Reason);

/// <summary>
/// One write of a mixed batch: a document to index, or a document to delete as of the reading that found its object
/// gone or excluded. <see cref="Tag"/> is the caller's, handed back with a failure so it can tell which write failed
/// even when one id is written twice.
/// </summary>
/// <param name="Document">The document to index; null for a delete.</param>
public sealed record DocumentWrite(int Tag, string Id, DateTimeOffset ObservedAt, S3Document? Document)
{
    public static DocumentWrite Index(int tag, S3Document document) => new(tag, document.Id, document.ObservedAt, document);

    public static DocumentWrite Delete(int tag, string id, DateTimeOffset observedAt) => new(tag, id, observedAt, null);
}

/// <summary>A write of <see cref="IDocumentSink.WriteAsync"/> that could not be done, by its tag.</summary>
public sealed record WriteFailure(int Tag, string DocumentId, string Reason);

/// <summary>Where documents go: Elasticsearch, or a file for <c>sync --dry-run</c>.</summary>
public interface IDocumentSink
{
    Task EnsureIndexAsync(CancellationToken ct);

    /// <summary>Writes the documents; returns the ones that still failed after retrying what can succeed.</summary>
    Task<IReadOnlyList<ItemFailure>> IndexAsync(IReadOnlyList<S3Document> documents, CancellationToken ct);

    /// <summary>
    /// Deletes documents by id, each as of the time its object was seen gone (the version); a document written from
    /// a newer reading is kept. Returns the ones that failed.
    /// </summary>
    Task<IReadOnlyList<ItemFailure>> DeleteAsync(IReadOnlyList<(string Id, DateTimeOffset ObservedAt)> deletions, CancellationToken ct);

    /// <summary>
    /// Indexes and deletes, in the order given, while <paramref name="writes"/> is still being produced: a bulk request
    /// is sent whenever the writes read so far fill one, so the caller never holds more than a request's worth.
    /// Returns the writes that failed after retrying what can succeed.
    /// </summary>
    Task<IReadOnlyList<WriteFailure>> WriteAsync(IAsyncEnumerable<DocumentWrite> writes, CancellationToken ct);

    /// <summary>
    /// Removes every document whose object was not read since <paramref name="syncStartedAt"/>: a full sync read every
    /// object that exists (and the rules include), so the others are gone. Returns how many were deleted.
    /// </summary>
    Task<long> DeleteUnseenAsync(DateTimeOffset syncStartedAt, CancellationToken ct);
}
