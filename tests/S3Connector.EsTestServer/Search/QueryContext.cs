using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices;
using S3Connector.EsTestServer.Indices.Mapping;

namespace S3Connector.EsTestServer.Search;

/// <summary>
/// What a query is bound against on one index (ES's per-shard SearchExecutionContext): the mapping that decides
/// how field values are interpreted, and a fixed "now" for date math.
/// </summary>
internal sealed class QueryContext(EsIndex index, long nowMillis)
{
    public EsIndex Index { get; } = index;

    public RootMapping Mapping { get; } = index.Mapping;

    public long NowMillis { get; } = nowMillis;

    public ResolvedField? Field(string path) => Mapping.Resolve(path);

    /// <summary>A query that cannot be built for this index: ES's query_shard_exception "failed to create query".</summary>
    public EsException CreateFailure(EsException cause) =>
        Errors.QueryShard(Index.Name, Index.Uuid, $"failed to create query: {cause.Reason}", cause);

    public EsException ShardFailure(string reason) => Errors.QueryShard(Index.Name, Index.Uuid, reason);
}
