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

    /// <summary>Removes every document a full sync did not write; returns how many were deleted.</summary>
    Task<long> DeleteUnseenAsync(string jobId, CancellationToken ct);
}
