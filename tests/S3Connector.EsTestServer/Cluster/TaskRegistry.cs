using System.Collections.Concurrent;
using System.Text.Json;

namespace S3Connector.EsTestServer.Cluster;

/// <summary>Background tasks started with wait_for_completion=false; kept after completion like ES's .tasks results.</summary>
internal sealed class TaskRegistry
{
    private readonly ConcurrentDictionary<long, TaskEntry> _tasks = new();
    private long _nextId;

    public TaskEntry Start(string action, string description, Func<TaskEntry, Task<Action<Utf8JsonWriter>>> work)
    {
        var entry = new TaskEntry(Interlocked.Increment(ref _nextId), action, description);
        _tasks[entry.Id] = entry;
        entry.Run(work);
        return entry;
    }

    public TaskEntry? Find(long id) => _tasks.GetValueOrDefault(id);
}

internal sealed class TaskEntry(long id, string action, string description)
{
    private volatile Action<Utf8JsonWriter>? _result;

    public long Id { get; } = id;

    public string Action { get; } = action;

    public string Description { get; } = description;

    public long StartTimeMillis { get; } = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public long StartTimestamp { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Writes the task's response body once it has completed (the same body the synchronous call returns).</summary>
    public Action<Utf8JsonWriter>? Result => _result;

    /// <summary>Writes the task's live status object while it runs (delete_by_query progress counters).</summary>
    public Action<Utf8JsonWriter>? Status { get; set; }

    public void Run(Func<TaskEntry, Task<Action<Utf8JsonWriter>>> work) =>
        Completion = Task.Run(async () => _result = await work(this));
}
