using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices;

namespace S3Connector.EsTestServer.Cluster;

/// <summary>Node info (GET /), cluster health and the task API.</summary>
internal static class ClusterEndpoints
{
    private static readonly string[] HealthParameters =
    [
        "expand_wildcards", "level", "local", "master_timeout", "timeout", "wait_for_active_shards", "wait_for_events",
        "wait_for_nodes", "wait_for_no_initializing_shards", "wait_for_no_relocating_shards", "wait_for_status",
    ];

    public static void Map(Router router, ClusterState cluster)
    {
        router.Map("GET", "/", _ => Task.FromResult(EsResponse.Ok(w => WriteInfo(w, cluster))));
        router.Map("HEAD", "/", _ => Task.FromResult(EsResponse.NoBody(200)));
        router.Map("GET", "/_cluster/health", r => HealthAsync(cluster, r, null), HealthParameters);
        router.Map("GET", "/_cluster/health/{index}", r => HealthAsync(cluster, r, r.Route("index")), HealthParameters);
        router.Map("GET", "/_tasks/{task_id}", r => GetTaskAsync(cluster, r), "timeout", "wait_for_completion");
    }

    private static void WriteInfo(Utf8JsonWriter w, ClusterState cluster)
    {
        w.WriteStartObject();
        w.WriteString("name", cluster.NodeName);
        w.WriteString("cluster_name", cluster.ClusterName);
        w.WriteString("cluster_uuid", cluster.ClusterUuid);
        w.WriteStartObject("version");
        w.WriteString("number", "9.1.0");
        w.WriteString("build_flavor", "default");
        w.WriteString("build_type", "docker");
        w.WriteString("build_hash", "0000000000000000000000000000000000000000");
        w.WriteString("build_date", "2025-07-09T22:10:13.578182715Z");
        w.WriteBoolean("build_snapshot", false);
        w.WriteString("lucene_version", "10.2.2");
        w.WriteString("minimum_wire_compatibility_version", "8.19.0");
        w.WriteString("minimum_index_compatibility_version", "8.0.0");
        w.WriteEndObject();
        w.WriteString("tagline", "You Know, for Search");
        w.WriteEndObject();
    }

    /// <summary>
    /// One node holds every primary; replicas can never be assigned, so any index with replicas is yellow.
    /// wait_for_status waits up to the timeout and then answers 408 with timed_out, as ES does.
    /// </summary>
    private static async Task<EsResponse> HealthAsync(ClusterState cluster, EsRequest request, string? expression)
    {
        var wanted = request.Param("wait_for_status");
        if (wanted is not (null or "green" or "yellow" or "red"))
        {
            throw Errors.IllegalArgument($"unknown cluster health status [{wanted}]");
        }

        var level = request.Param("level") ?? "cluster";
        var timeout = request.Time("timeout") ?? TimeSpan.FromSeconds(30);
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var (indices, missing) = Targets(cluster, expression);
            var status = missing ? "red" : indices.Any(i => i.Settings.NumberOfReplicas > 0) ? "yellow" : "green";
            var satisfied = !missing && (wanted is null || Rank(status) <= Rank(wanted));
            var timedOut = !satisfied && Stopwatch.GetElapsedTime(started) >= timeout;
            if (satisfied || timedOut)
            {
                return EsResponse.Json(timedOut ? 408 : 200, w => WriteHealth(w, cluster, indices, status, timedOut, level));
            }

            await Task.Delay(50);
        }
    }

    private static (List<EsIndex> Indices, bool Missing) Targets(ClusterState cluster, string? expression)
    {
        try
        {
            return (IndexNames.Resolve(cluster, expression, allowNoIndices: true), false);
        }
        catch (EsException e) when (e.Status == 404)
        {
            return (IndexNames.Resolve(cluster, expression, ignoreUnavailable: true), true);
        }
    }

    private static int Rank(string status) => status switch
    {
        "green" => 0,
        "yellow" => 1,
        _ => 2,
    };

    private static void WriteHealth(Utf8JsonWriter w, ClusterState cluster, List<EsIndex> indices, string status, bool timedOut, string level)
    {
        var primaries = indices.Sum(i => i.Settings.NumberOfShards);
        var unassigned = indices.Sum(i => i.Settings.NumberOfShards * i.Settings.NumberOfReplicas);
        w.WriteStartObject();
        w.WriteString("cluster_name", cluster.ClusterName);
        w.WriteString("status", status);
        w.WriteBoolean("timed_out", timedOut);
        w.WriteNumber("number_of_nodes", 1);
        w.WriteNumber("number_of_data_nodes", 1);
        w.WriteNumber("active_primary_shards", primaries);
        w.WriteNumber("active_shards", primaries);
        w.WriteNumber("relocating_shards", 0);
        w.WriteNumber("initializing_shards", 0);
        w.WriteNumber("unassigned_shards", unassigned);
        w.WriteNumber("unassigned_primary_shards", 0);
        w.WriteNumber("delayed_unassigned_shards", 0);
        w.WriteNumber("number_of_pending_tasks", 0);
        w.WriteNumber("number_of_in_flight_fetch", 0);
        w.WriteNumber("task_max_waiting_in_queue_millis", 0);
        w.WritePropertyName("active_shards_percent_as_number");
        JsonOut.WriteDouble(w, primaries + unassigned == 0 ? 100.0 : 100.0 * primaries / (primaries + unassigned));
        if (level is "indices" or "shards")
        {
            w.WriteStartObject("indices");
            foreach (var index in indices)
            {
                w.WriteStartObject(index.Name);
                w.WriteString("status", index.Settings.NumberOfReplicas > 0 ? "yellow" : "green");
                w.WriteNumber("number_of_shards", index.Settings.NumberOfShards);
                w.WriteNumber("number_of_replicas", index.Settings.NumberOfReplicas);
                w.WriteNumber("active_primary_shards", index.Settings.NumberOfShards);
                w.WriteNumber("active_shards", index.Settings.NumberOfShards);
                w.WriteNumber("relocating_shards", 0);
                w.WriteNumber("initializing_shards", 0);
                w.WriteNumber("unassigned_shards", index.Settings.NumberOfShards * index.Settings.NumberOfReplicas);
                w.WriteNumber("unassigned_primary_shards", 0);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static async Task<EsResponse> GetTaskAsync(ClusterState cluster, EsRequest request)
    {
        var taskId = request.Route("task_id");
        var colon = taskId.LastIndexOf(':');
        if (colon <= 0 || !long.TryParse(taskId[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            throw Errors.IllegalArgument($"malformed task id {taskId}");
        }

        var task = (taskId[..colon] == cluster.NodeId ? cluster.Tasks.Find(id) : null)
            ?? throw Errors.ResourceNotFound($"task [{taskId}] isn't running and hasn't stored its results");
        if (request.Bool("wait_for_completion", false))
        {
            var timeout = request.Time("timeout") ?? TimeSpan.FromSeconds(30);
            if (await Task.WhenAny(task.Completion, Task.Delay(timeout)) != task.Completion)
            {
                throw new EsException(408, "elasticsearch_timeout_exception", $"Timed out waiting for completion of task [{taskId}]");
            }
        }

        var result = task.Result;
        return EsResponse.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("completed", result is not null);
            w.WriteStartObject("task");
            w.WriteString("node", cluster.NodeId);
            w.WriteNumber("id", task.Id);
            w.WriteString("type", "transport");
            w.WriteString("action", task.Action);
            if (task.Status is { } status)
            {
                w.WritePropertyName("status");
                status(w);
            }

            w.WriteString("description", task.Description);
            w.WriteNumber("start_time_in_millis", task.StartTimeMillis);
            w.WriteNumber("running_time_in_nanos", (long)(Stopwatch.GetElapsedTime(task.StartTimestamp).TotalMilliseconds * 1_000_000));
            w.WriteBoolean("cancellable", true);
            w.WriteBoolean("cancelled", false);
            w.WriteStartObject("headers");
            w.WriteEndObject();
            w.WriteEndObject();
            if (result is not null)
            {
                w.WritePropertyName("response");
                result(w);
            }

            w.WriteEndObject();
        });
    }
}
