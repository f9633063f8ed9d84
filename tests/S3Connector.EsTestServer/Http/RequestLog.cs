namespace S3Connector.EsTestServer.Http;

/// <summary>A bounded, thread-safe record of answered requests (oldest dropped first).</summary>
internal sealed class RequestLog(int capacity)
{
    private readonly Queue<EsRecordedRequest> _entries = new();

    public void Add(EsRecordedRequest entry)
    {
        lock (_entries)
        {
            _entries.Enqueue(entry);
            while (_entries.Count > capacity)
            {
                _entries.Dequeue();
            }
        }
    }

    public IReadOnlyList<EsRecordedRequest> Snapshot()
    {
        lock (_entries)
        {
            return _entries.ToList();
        }
    }

    public void Clear()
    {
        lock (_entries)
        {
            _entries.Clear();
        }
    }
}
