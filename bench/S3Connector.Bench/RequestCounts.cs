using System.Globalization;
using S3Connector.EsTestServer;
using S3Connector.Testing;

namespace S3Connector.Bench;

/// <summary>
/// Requests of one bench phase by kind: S3/SQS operations from the local stack's request log, Elasticsearch endpoints
/// from the test server's. Clear both logs before the phase and read them right after it, before the bench sends
/// requests of its own.
/// </summary>
public sealed class RequestCounts
{
    private readonly Dictionary<string, int> _counts;
    private readonly Dictionary<string, int> _detail;

    private RequestCounts(Dictionary<string, int> counts, int delayed, Dictionary<string, int>? detail = null)
    {
        _counts = counts;
        Delayed = delayed;
        _detail = detail ?? counts;
    }

    /// <summary>Requests an injected fault (here: the listing delay) answered.</summary>
    public int Delayed { get; }

    public int this[string kind] => _counts.GetValueOrDefault(kind);

    public int Total => _counts.Values.Sum();

    /// <summary>The local stack's requests by operation (<c>GetObject</c>, <c>ListObjectsV2</c>, <c>SendMessage</c>, ...).</summary>
    /// <param name="logLimit">The FAUXQS_REQUEST_LOG_LIMIT it was started with: a full log has dropped requests.</param>
    public static async Task<RequestCounts> ReadAsync(LocalStack aws, int logLimit)
    {
        var requests = await aws.GetRequestsAsync();
        Full(requests.Count, logLimit, "local stack", "FAUXQS_REQUEST_LOG_LIMIT");
        var counts = requests.GroupBy(r => r.Operation, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new RequestCounts(counts, requests.Count(r => r.Fault is not null));
    }

    /// <summary>The Elasticsearch test server's requests by <see cref="EsKind"/>.</summary>
    public static RequestCounts FromEs(EsTestServerHost es, int logLimit)
    {
        var requests = es.Requests;
        Full(requests.Count, logLimit, "Elasticsearch test server", nameof(EsTestServerOptions.MaxRecordedRequests));
        var counts = requests.GroupBy(EsKind, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        // By index too: the jobs index's bookkeeping and the content index's documents share endpoints such as _bulk.
        var detail = requests.GroupBy(r => $"{EsKind(r)} {EsIndex(r)}", StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new RequestCounts(counts, 0, detail);
    }

    /// <summary>
    /// The endpoint of a request (<c>_bulk</c>, <c>_search</c>, <c>_mget</c>, <c>_count</c>, <c>_refresh</c>, ...);
    /// single-document calls are <c>doc write</c> (index, create, update, delete) or <c>doc read</c>, and calls on
    /// an index itself (create, exists, settings) <c>index</c>.
    /// </summary>
    public static string EsKind(EsRecordedRequest request)
    {
        var endpoint = request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(s => s.StartsWith('_'));
        return endpoint switch
        {
            "_doc" or "_create" or "_update" or "_source" => request.Method is "GET" or "HEAD" ? "doc read" : "doc write",
            null => "index",
            _ => endpoint,
        };
    }

    /// <summary>The index a request names first, or <c>-</c> for a cluster-wide one.</summary>
    private static string EsIndex(EsRecordedRequest request) =>
        request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() is { } first && !first.StartsWith('_') ? first : "-";

    /// <summary>Every kind (with its index, for Elasticsearch) and its count, most frequent first, for a line under a table.</summary>
    public string Describe() => _detail.Count == 0
        ? "none"
        : string.Join(", ", _detail.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value}")));

    private static void Full(int count, int limit, string what, string setting)
    {
        if (count >= limit)
        {
            throw new InvalidOperationException($"the {what} logged {count} requests, its limit: older ones were dropped, so the counts would be short; raise {setting}.");
        }
    }
}
