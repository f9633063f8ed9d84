namespace S3Connector.EsTestServer;

/// <summary>
/// Fault injection for an <see cref="EsTestServerHost"/>, safe to change from any thread while requests run.
/// Request faults match on a substring of the request path (null matches every request) and are consumed
/// in the order they were added. Control requests under /_test/ are never affected.
/// </summary>
public sealed class EsFaults
{
    private readonly object _lock = new();
    private readonly List<RequestFault> _failures = [];
    private readonly List<RequestFault> _drops = [];
    private int _rejectItems;
    private readonly Dictionary<string, int> _rejectIds = new(StringComparer.Ordinal);
    private readonly HashSet<string> _refusedIds = new(StringComparer.Ordinal);
    private double _rejectFraction;
    private double _fractionCarry;
    private TimeSpan _latency;
    private string? _latencyPathContains;
    private long _itemsRejected;
    private long _requestsFailed;
    private long _connectionsDropped;
    private long _requestsDelayed;

    /// <summary>Fixed delay added before handling each request (matching <see cref="LatencyPathContains"/>).</summary>
    public TimeSpan Latency
    {
        get { lock (_lock) { return _latency; } }
        set { lock (_lock) { _latency = value; } }
    }

    /// <summary>Restricts <see cref="Latency"/> to paths containing this text; null delays every request.</summary>
    public string? LatencyPathContains
    {
        get { lock (_lock) { return _latencyPathContains; } }
        set { lock (_lock) { _latencyPathContains = value; } }
    }

    /// <summary>How many faults fired so far.</summary>
    public EsFaultCounters Counters => new(
        Interlocked.Read(ref _itemsRejected),
        Interlocked.Read(ref _requestsFailed),
        Interlocked.Read(ref _connectionsDropped),
        Interlocked.Read(ref _requestsDelayed));

    /// <summary>
    /// Rejects the next <paramref name="count"/> bulk items: each gets a 429 es_rejected_execution_exception
    /// item error while the bulk response stays 200 with errors=true, as when ES's write pool is full.
    /// </summary>
    public void RejectBulkItems(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_lock)
        {
            _rejectItems += count;
        }
    }

    /// <summary>
    /// Rejects the next <paramref name="count"/> bulk items whose <c>_id</c> is <paramref name="id"/>, as
    /// <see cref="RejectBulkItems"/> does, leaving every other item alone: one document fails while the rest of
    /// its request succeeds. Checked before the untargeted rejections.
    /// </summary>
    public void RejectBulkItemsWithId(string id, int count)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_lock)
        {
            _rejectIds[id] = _rejectIds.GetValueOrDefault(id) + count;
        }
    }

    /// <summary>
    /// Refuses every index or create item with this <c>_id</c> from now on with a 400 document_parsing_exception, as
    /// Elasticsearch does for a document its mapping cannot take: a failure no retry can fix.
    /// </summary>
    public void RefuseDocument(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        lock (_lock)
        {
            _refusedIds.Add(id);
        }
    }

    internal bool IsRefused(string? id)
    {
        lock (_lock)
        {
            if (id is null || !_refusedIds.Contains(id))
            {
                return false;
            }

            Interlocked.Increment(ref _itemsRejected);
            return true;
        }
    }

    /// <summary>
    /// Rejects this fraction (0..1) of bulk items from now on, deterministically spread (0.25 rejects every
    /// fourth item). Applies after any count from <see cref="RejectBulkItems"/> is used up; 0 turns it off.
    /// </summary>
    public void RejectBulkItemFraction(double fraction)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fraction, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fraction, 1);
        lock (_lock)
        {
            _rejectFraction = fraction;
            _fractionCarry = 0;
        }
    }

    /// <summary>
    /// Answers the next <paramref name="count"/> matching requests with <paramref name="statusCode"/> without
    /// handling them: 503 (unavailable_shards_exception), 429 (es_rejected_execution_exception) or 500.
    /// </summary>
    public void FailRequests(int count, int statusCode = 503, string? pathContains = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (statusCode is not (429 or 500 or 503))
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "Only 429, 500 and 503 are supported.");
        }

        if (count == 0)
        {
            return;
        }

        lock (_lock)
        {
            _failures.Add(new RequestFault(count, statusCode, pathContains));
        }
    }

    /// <summary>Aborts the TCP connection, without any response, for the next <paramref name="count"/> matching requests.</summary>
    public void DropConnections(int count, string? pathContains = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0)
        {
            return;
        }

        lock (_lock)
        {
            _drops.Add(new RequestFault(count, 0, pathContains));
        }
    }

    /// <summary>Removes every pending fault and the latency, and resets the counters.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _failures.Clear();
            _drops.Clear();
            _rejectItems = 0;
            _rejectIds.Clear();
            _refusedIds.Clear();
            _rejectFraction = 0;
            _fractionCarry = 0;
            _latency = TimeSpan.Zero;
            _latencyPathContains = null;
            Interlocked.Exchange(ref _itemsRejected, 0);
            Interlocked.Exchange(ref _requestsFailed, 0);
            Interlocked.Exchange(ref _connectionsDropped, 0);
            Interlocked.Exchange(ref _requestsDelayed, 0);
        }
    }

    internal (int PendingItemRejections, IReadOnlyDictionary<string, int> IdRejections, double ItemFraction, IReadOnlyList<(int Remaining, int Status, string? Path)> Failures, IReadOnlyList<(int Remaining, string? Path)> Drops) Pending()
    {
        lock (_lock)
        {
            return (_rejectItems, new Dictionary<string, int>(_rejectIds, StringComparer.Ordinal), _rejectFraction,
                _failures.Select(f => (f.Remaining, f.Status, f.PathContains)).ToList(),
                _drops.Select(d => (d.Remaining, d.PathContains)).ToList());
        }
    }

    internal bool TryRejectBulkItem(string? id)
    {
        lock (_lock)
        {
            var reject = false;
            if (id is not null && _rejectIds.TryGetValue(id, out var left))
            {
                if (left <= 1)
                {
                    _rejectIds.Remove(id);
                }
                else
                {
                    _rejectIds[id] = left - 1;
                }

                reject = true;
            }
            else if (_rejectItems > 0)
            {
                _rejectItems--;
                reject = true;
            }
            else if (_rejectFraction > 0)
            {
                _fractionCarry += _rejectFraction;
                if (_fractionCarry >= 1 - 1e-9)
                {
                    _fractionCarry -= 1;
                    reject = true;
                }
            }

            if (reject)
            {
                Interlocked.Increment(ref _itemsRejected);
            }

            return reject;
        }
    }

    internal async Task DelayAsync(string path, CancellationToken cancellationToken)
    {
        TimeSpan latency;
        lock (_lock)
        {
            latency = _latencyPathContains is null || path.Contains(_latencyPathContains, StringComparison.Ordinal) ? _latency : TimeSpan.Zero;
        }

        if (latency > TimeSpan.Zero)
        {
            Interlocked.Increment(ref _requestsDelayed);
            await Task.Delay(latency, cancellationToken);
        }
    }

    internal int? TryFailRequest(string path)
    {
        lock (_lock)
        {
            var fault = Consume(_failures, path);
            if (fault is null)
            {
                return null;
            }

            Interlocked.Increment(ref _requestsFailed);
            return fault.Status;
        }
    }

    internal bool TryDropConnection(string path)
    {
        lock (_lock)
        {
            if (Consume(_drops, path) is null)
            {
                return false;
            }

            Interlocked.Increment(ref _connectionsDropped);
            return true;
        }
    }

    private static RequestFault? Consume(List<RequestFault> faults, string path)
    {
        var fault = faults.FirstOrDefault(f => f.PathContains is null || path.Contains(f.PathContains, StringComparison.Ordinal));
        if (fault is null)
        {
            return null;
        }

        fault.Remaining--;
        if (fault.Remaining <= 0)
        {
            faults.Remove(fault);
        }

        return fault;
    }

    private sealed class RequestFault(int remaining, int status, string? pathContains)
    {
        public int Remaining { get; set; } = remaining;

        public int Status { get; } = status;

        public string? PathContains { get; } = pathContains;
    }
}

/// <summary>How many injected faults fired.</summary>
/// <param name="BulkItemsRejected">Bulk items answered with a 429 item error.</param>
/// <param name="RequestsFailed">Requests answered with an injected 429/500/503.</param>
/// <param name="ConnectionsDropped">Connections aborted without a response.</param>
/// <param name="RequestsDelayed">Requests that waited for the injected latency.</param>
public sealed record EsFaultCounters(long BulkItemsRejected, long RequestsFailed, long ConnectionsDropped, long RequestsDelayed);
