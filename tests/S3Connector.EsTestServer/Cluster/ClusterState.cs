using System.Collections.Concurrent;
using System.Text.Json;
using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices;
using S3Connector.EsTestServer.Indices.Mapping;

namespace S3Connector.EsTestServer.Cluster;

/// <summary>Everything the single emulated node holds: indices, ingest pipelines and background tasks.</summary>
internal sealed class ClusterState(TimeSpan? defaultRefreshInterval)
{
    private readonly object _indicesLock = new();
    private readonly Dictionary<string, EsIndex> _indices = new(StringComparer.Ordinal);

    public string ClusterName => "es-test-cluster";

    public string ClusterUuid { get; } = EsIndex.NewUuid();

    public string NodeName => "es-test-node";

    public string NodeId { get; } = EsIndex.NewUuid();

    public TimeSpan? DefaultRefreshInterval { get; } = defaultRefreshInterval;

    /// <summary>Pipeline definitions by id, stored as sent (processors are never run).</summary>
    public ConcurrentDictionary<string, JsonElement> Pipelines { get; } = new(StringComparer.Ordinal);

    public TaskRegistry Tasks { get; } = new();

    /// <summary>All indices, in name order (the order ES lists shards in).</summary>
    public IReadOnlyList<EsIndex> Indices
    {
        get
        {
            lock (_indicesLock)
            {
                return _indices.Values.OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
            }
        }
    }

    public EsIndex? Find(string name)
    {
        lock (_indicesLock)
        {
            return _indices.GetValueOrDefault(name);
        }
    }

    public EsIndex Get(string name) => Find(name) ?? throw Errors.IndexNotFound(name);

    public EsIndex Create(string name, IndexSettings settings, RootMapping mapping)
    {
        IndexNames.Validate(name);
        lock (_indicesLock)
        {
            if (_indices.TryGetValue(name, out var existing))
            {
                throw new EsException(400, "resource_already_exists_exception", $"index [{name}/{existing.Uuid}] already exists")
                    .With("index_uuid", existing.Uuid).With("index", name);
            }

            var index = new EsIndex(name, settings, mapping, DefaultRefreshInterval);
            _indices[name] = index;
            return index;
        }
    }

    /// <summary>Writes create missing indices (action.auto_create_index defaults to true).</summary>
    public EsIndex GetOrAutoCreate(string name)
    {
        IndexNames.Validate(name);
        lock (_indicesLock)
        {
            if (!_indices.TryGetValue(name, out var index))
            {
                index = new EsIndex(name, IndexSettings.Parse(null), RootMapping.Empty, DefaultRefreshInterval);
                _indices[name] = index;
            }

            return index;
        }
    }

    public void Delete(EsIndex index)
    {
        lock (_indicesLock)
        {
            _indices.Remove(index.Name);
        }

        // Releases refresh=wait_for requests that would otherwise wait for a refresh that never comes.
        index.Refresh();
    }
}
