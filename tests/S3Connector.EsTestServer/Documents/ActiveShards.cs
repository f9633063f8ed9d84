using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices;

namespace S3Connector.EsTestServer.Documents;

/// <summary>
/// wait_for_active_shards: only the primary is ever active on this single node, so asking for more copies
/// waits for the request timeout and then fails with ES's unavailable_shards_exception.
/// </summary>
internal static class ActiveShards
{
    public static async Task EnsureAsync(EsRequest request, EsIndex index)
    {
        var value = request.Param("wait_for_active_shards");
        if (value is null or "1" or "0" or "default")
        {
            return;
        }

        var required = value == "all"
            ? index.ShardCopies
            : int.TryParse(value, out var count) && count >= 0
                ? count
                : throw Errors.IllegalArgument($"Illegal value for wait_for_active_shards: [{value}]");
        if (required <= 1)
        {
            return;
        }

        var timeout = request.Time("timeout") ?? TimeSpan.FromMinutes(1);
        await Task.Delay(timeout);
        var wanted = value == "all" ? "ALL" : value;
        throw new EsException(503, "unavailable_shards_exception",
            $"[{index.Name}][0] Not enough active copies to meet shard count of [{wanted}] (have 1, needed {required}). Timeout: [{request.Param("timeout") ?? "1m"}]");
    }
}
