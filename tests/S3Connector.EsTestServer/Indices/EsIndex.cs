using S3Connector.EsTestServer.Documents;
using S3Connector.EsTestServer.Indices.Mapping;

namespace S3Connector.EsTestServer.Indices;

/// <summary>The documents of one refreshed point in time, in index order (ES's Lucene doc order approximated by seq_no).</summary>
internal sealed record SearchSnapshot(IReadOnlyList<StoredDoc> Docs, long MaxSeqNo)
{
    public static readonly SearchSnapshot Empty = new([], -1);
}

/// <summary>
/// One index: its live documents (what realtime GET sees), the last refreshed snapshot (what search sees),
/// per-index seq_no, mapping and settings. Writers hold <see cref="SyncRoot"/>; readers of the snapshot and
/// mapping need no lock because both are immutable and swapped atomically.
/// </summary>
internal sealed class EsIndex
{
    private readonly Dictionary<string, StoredDoc> _docs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tombstone> _tombstones = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, StoredDoc> _bySeqNo = [];
    private readonly List<(long SeqNo, TaskCompletionSource Done)> _refreshWaiters = [];
    private readonly TimeSpan? _defaultRefreshInterval;
    private RootMapping _mapping;
    private SearchSnapshot _searchable = SearchSnapshot.Empty;
    private long _seqNo = -1;
    private IndexSettings _settings;

    public EsIndex(string name, IndexSettings settings, RootMapping mapping, TimeSpan? defaultRefreshInterval)
    {
        Name = name;
        _settings = settings;
        _mapping = mapping;
        _defaultRefreshInterval = defaultRefreshInterval;
        LastRefresh = DateTime.UtcNow;
    }

    public string Name { get; }

    public string Uuid { get; } = NewUuid();

    public long CreationDate { get; } = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>Replaced as a whole when dynamic settings are updated.</summary>
    public IndexSettings Settings
    {
        get => Volatile.Read(ref _settings);
        set => Volatile.Write(ref _settings, value);
    }

    public object SyncRoot { get; } = new();

    public RootMapping Mapping
    {
        get => Volatile.Read(ref _mapping);
        set => Volatile.Write(ref _mapping, value);
    }

    public SearchSnapshot Searchable => Volatile.Read(ref _searchable);

    /// <summary>The index's own refresh_interval if set, else the server default; null means no periodic refresh.</summary>
    public TimeSpan? RefreshInterval => Settings.HasRefreshInterval ? Settings.RefreshInterval : _defaultRefreshInterval;

    public DateTime LastRefresh { get; private set; }

    /// <summary>Total shard copies as write responses report them: the primary plus its (unassigned) replicas.</summary>
    public int ShardCopies => 1 + Settings.NumberOfReplicas;

    public bool HasUnrefreshedChanges
    {
        get
        {
            lock (SyncRoot)
            {
                return _seqNo > _searchable.MaxSeqNo;
            }
        }
    }

    // The members below are only called while holding SyncRoot.
    public StoredDoc? Live(string id) => _docs.GetValueOrDefault(id);

    /// <summary>
    /// The delete marker of <paramref name="id"/> while index.gc_deletes still keeps it. An expired one is dropped,
    /// so the next versioned write finds no document at all, as InternalEngine does once it forgot the delete.
    /// </summary>
    public Tombstone? TombstoneOf(string id)
    {
        if (_tombstones.GetValueOrDefault(id) is not { } tombstone)
        {
            return null;
        }

        if (!tombstone.IsExpired(Settings.GcDeletes))
        {
            return tombstone;
        }

        _tombstones.Remove(id);
        return null;
    }

    public long NextSeqNo() => ++_seqNo;

    public void Put(StoredDoc doc)
    {
        if (_docs.TryGetValue(doc.Id, out var previous))
        {
            _bySeqNo.Remove(previous.SeqNo);
        }

        _docs[doc.Id] = doc;
        _bySeqNo[doc.SeqNo] = doc;
        _tombstones.Remove(doc.Id);
    }

    public void Delete(string id, Tombstone tombstone)
    {
        if (_docs.Remove(id, out var previous))
        {
            _bySeqNo.Remove(previous.SeqNo);
        }

        _tombstones[id] = tombstone;
    }

    /// <summary>Publishes the live documents to search and releases refresh=wait_for requests they cover.</summary>
    public void Refresh()
    {
        List<TaskCompletionSource> released;
        lock (SyncRoot)
        {
            Volatile.Write(ref _searchable, new SearchSnapshot(_bySeqNo.Values.ToArray(), _seqNo));
            LastRefresh = DateTime.UtcNow;
            released = _refreshWaiters.Where(w => w.SeqNo <= _seqNo).Select(w => w.Done).ToList();
            _refreshWaiters.RemoveAll(w => w.SeqNo <= _seqNo);
        }

        foreach (var done in released)
        {
            done.TrySetResult();
        }
    }

    /// <summary>Completes once a refresh has made the operation with <paramref name="seqNo"/> searchable.</summary>
    public Task WaitForRefreshAsync(long seqNo)
    {
        lock (SyncRoot)
        {
            if (_searchable.MaxSeqNo >= seqNo)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _refreshWaiters.Add((seqNo, done));
            return done.Task;
        }
    }

    /// <summary>ES index UUIDs are 22-character URL-safe base64 strings.</summary>
    public static string NewUuid() =>
        Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
