using S3Connector.Core.Documents;

namespace S3Connector.Core.Elasticsearch;

/// <summary>One document that could not be written, with a reason safe to log and show.</summary>
public sealed record ItemFailure(string DocumentId, string Reason);

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
    /// Removes every document whose object was not read since <paramref name="syncStartedAt"/>: a full sync read every
    /// object that exists (and the rules include), so the others are gone. Returns how many were deleted.
    /// </summary>
    Task<long> DeleteUnseenAsync(DateTimeOffset syncStartedAt, CancellationToken ct);
}
