using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.S3;
using S3Connector.Core.Configuration;
using S3Connector.Core.Documents;
using S3Connector.Core.S3;
using S3Connector.EsTestServer;
using S3Connector.Testing;

namespace S3Connector.Bench;

/// <summary>
/// How the sync scales with the shape of a bucket: N small objects under one prefix against the same N names over 16
/// top-level prefixes, next to a plain sequential lister, with every ListObjectsV2 delayed (the emulator answers in
/// about a millisecond, which would hide how sequential a listing is); then what a re-sync costs when nothing, or a
/// little, changed. Any sync that does not complete or account for every key fails the bench. See docs/BENCHMARKS.md.
/// </summary>
public sealed class ScaleBench
{
    private const string JobsIndex = "scale-jobs";
    private const string RevisedWord = "scalerevised";
    private const int EsLogLimit = 1_000_000;
    private const int Prefixes = 16;

    private static readonly IReadOnlyDictionary<string, string?> NoEnvironment = new Dictionary<string, string?>();

    private readonly LocalStack _aws;
    private readonly EsTestServerHost _esServer;
    private readonly HttpClient _es;
    private readonly int _keys;
    private readonly int _listDelayMs;
    private readonly int _concurrency;
    private readonly int? _pageSize;
    private readonly int _s3LogLimit;
    private readonly TimeSpan _syncTimeout;

    private ScaleBench(LocalStack aws, EsTestServerHost esServer, HttpClient es, int keys, int s3LogLimit)
    {
        _aws = aws;
        _esServer = esServer;
        _es = es;
        _keys = keys;
        _s3LogLimit = s3LogLimit;
        _listDelayMs = EnvInt("BENCH_LIST_DELAY_MS") ?? 100;
        _concurrency = EnvInt("BENCH_CONCURRENCY") ?? 16;
        // Unset, the connector's own default page size is measured, whatever the engine makes it.
        _pageSize = EnvInt("BENCH_PAGE_SIZE");
        // Generous (today's one-prefix sync lists ~1,000 keys/s); a sync that hangs still ends, as a failure.
        _syncTimeout = TimeSpan.FromMinutes(Math.Max(10, keys / 1000.0));
    }

    /// <summary>
    /// A bucket and its key names. The listing layouts hold metadata-only objects: their figure is how fast a layout
    /// is listed and fanned out, and 6,000 GETs served by the emulator's one Node.js thread on this 2-core machine
    /// would measure that thread instead. The re-sync bucket holds text objects, since what a re-sync saves is downloads.
    /// </summary>
    private sealed record Layout(string Name, string Bucket, Func<int, string> Key);

    private sealed record Phase(CliSyncResult Sync, RequestCounts S3, RequestCounts Es);

    private sealed record Sample(string Layout, string Measure, TimeSpan Elapsed, RequestCounts S3);

    public static async Task<int> RunAsync(int keys, int runs)
    {
        // One phase logs at most a GET per key plus the listing pages: 3 per key leaves room, and a full log fails the bench.
        var s3LogLimit = Math.Max(20_000, keys * 3);
        var stackOptions = new LocalStackOptions();
        stackOptions.Environment["FAUXQS_REQUEST_LOG_LIMIT"] = s3LogLimit.ToString(CultureInfo.InvariantCulture);
        await using var aws = await LocalStack.StartAsync(stackOptions);
        await using var esServer = await EsTestServerHost.StartAsync(new EsTestServerOptions { MaxRecordedRequests = EsLogLimit });
        using var es = new HttpClient { BaseAddress = esServer.Url, Timeout = TimeSpan.FromMinutes(5) };
        try
        {
            await new ScaleBench(aws, esServer, es, keys, s3LogLimit).RunAsync(runs);
            return 0;
        }
        catch (InvalidOperationException e)
        {
            await Console.Error.WriteLineAsync("bench scale FAILED: " + e.Message);
            return 1;
        }
    }

    private async Task RunAsync(int runs)
    {
        var flat = new Layout("one prefix", "scale-one-prefix", i => "flat/" + Name(i, text: false));
        var spread = new Layout($"{Prefixes} prefixes", "scale-16-prefixes", i => $"p{i % Prefixes:D2}/" + Name(i, text: false));
        var resync = new Layout("one prefix, 3 in 10 text", "scale-resync-source", i => "flat/" + Name(i, text: true));
        Layout[] layouts = [flat, spread];
        await SeedAsync([flat, spread, resync]);

        // Armed only now: seeding and its check list nothing that should wait.
        if (_listDelayMs > 0)
        {
            await _aws.InjectFaultAsync(new LocalStackFault { Operation = "ListObjectsV2", Status = 0, DelayMs = _listDelayMs, Count = -1 });
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"every ListObjectsV2 delayed {_listDelayMs} ms; sync --concurrency {_concurrency}, page_size {(_pageSize is { } p ? p.ToString(CultureInfo.InvariantCulture) : "default")}"));

        var samples = new List<Sample>();
        for (var run = 1; run <= runs; run++)
        {
            foreach (var layout in layouts)
            {
                samples.Add(await DryRunAsync(layout, run));
                samples.Add(await IndexingAsync(layout, run));
                samples.Add(await ListerAsync(layout, run));
            }
        }

        PrintThroughput(samples, layouts);
        await ResyncAsync(resync);
    }

    /// <summary>Hash-like names, so the keys of one prefix are not in the order they were numbered; with
    /// <paramref name="text"/>, three in ten are text the connector downloads.</summary>
    private static string Name(int i, bool text) =>
        string.Create(CultureInfo.InvariantCulture, $"{unchecked((uint)i * 2654435761u):x8}-{i:D7}{(text && IsText(i) ? ".txt" : ".bin")}");

    private static bool IsText(int i) => i % 10 < 3;

    private static string Content(string key, bool revised = false) =>
        key.EndsWith(".txt", StringComparison.Ordinal) ? $"Scale bench text of {key}, {(revised ? RevisedWord : "first")} revision." : "bin";

    private async Task SeedAsync(Layout[] layouts)
    {
        using var s3 = _aws.CreateS3Client();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var layout in layouts)
        {
            await s3.PutBucketAsync(layout.Bucket);
        }

        // Every bucket at once, 16 PUTs in flight each.
        await Parallel.ForEachAsync(layouts, async (layout, _) => await BenchObjects.PutAsync(
            s3, layout.Bucket, Enumerable.Range(0, _keys).Select(i => (layout.Key(i), Content(layout.Key(i)))), 16));
        foreach (var layout in layouts)
        {
            var (listed, _) = await BenchObjects.ListAllAsync(s3, layout.Bucket);
            Require(listed == _keys, $"seeding {layout.Bucket}: {listed} objects listed, {_keys} put");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seeded {_keys} keys into each of {layouts.Length} buckets ({string.Join(", ", layouts.Select(l => $"{l.Bucket}: {l.Name}"))}) in {clock.Elapsed.TotalSeconds:F1} s"));
    }

    private async Task<Sample> DryRunAsync(Layout layout, int run)
    {
        var index = $"scale-dry-{layout.Bucket}-{run}";
        var output = Path.Combine(Path.GetTempPath(), $"bench-{index}.ndjson");
        var what = $"{layout.Name}, dry run {run}";
        try
        {
            var phase = await SyncAsync(Config(layout.Bucket, index), what, ["--dry-run", output]);
            Account(phase.Sync, what, _keys, expectedDeleted: null);
            var ids = DistinctIds(output);
            Require(ids == _keys, $"{what}: the dry run wrote {ids} distinct documents for {_keys} keys");
            return Report(layout, "sync --dry-run", phase.Sync.Elapsed, phase.S3);
        }
        finally
        {
            File.Delete(output);
        }
    }

    private async Task<Sample> IndexingAsync(Layout layout, int run)
    {
        var index = $"scale-index-{layout.Bucket}-{run}";
        var what = $"{layout.Name}, indexing {run}";
        var phase = await SyncAsync(Config(layout.Bucket, index), what, []);
        Account(phase.Sync, what, _keys, expectedDeleted: 0);
        var documents = await CountAsync(index);
        Require(documents == _keys, $"{what}: the index holds {documents} documents for {_keys} keys");
        // The test server keeps every index in this process's memory: drop what no later phase reads.
        using var deleted = await _es.DeleteAsync(new Uri(index, UriKind.Relative));
        return Report(layout, "sync, indexing", phase.Sync.Elapsed, phase.S3);
    }

    private async Task<Sample> ListerAsync(Layout layout, int run)
    {
        // The connector's own S3 client settings (timeouts, retries, endpoint), from the same kind of configuration file.
        using var clients = new S3ClientFactory(ConnectorConfiguration.Load(Config(layout.Bucket, "scale-lister"), NoEnvironment));
        await _aws.ClearRequestsAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (listed, _) = await BenchObjects.ListAllAsync(clients.Default, layout.Bucket);
        var elapsed = clock.Elapsed;
        var s3 = await ReadS3RequestsAsync($"{layout.Name}, lister {run}");
        Require(listed == _keys, $"{layout.Name}, lister {run}: listed {listed} of {_keys} keys");
        return Report(layout, "sequential ListObjectsV2, 1000 a page", elapsed, s3);
    }

    private Sample Report(Layout layout, string measure, TimeSpan elapsed, RequestCounts s3)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {layout.Name}, {measure}: {elapsed.TotalSeconds:F2} s, {_keys / elapsed.TotalSeconds:F0} keys/s ({s3["ListObjectsV2"]} ListObjectsV2, {s3["GetObject"]} GetObject)"));
        return new Sample(layout.Name, measure, elapsed, s3);
    }

    private void PrintThroughput(List<Sample> samples, Layout[] layouts)
    {
        var rows = new List<string[]>();
        foreach (var group in samples.GroupBy(s => (s.Layout, s.Measure)))
        {
            var last = group.Last().S3;
            rows.Add([group.Key.Layout, group.Key.Measure, string.Join(" / ", group.Select(s => Seconds(s.Elapsed))),
                Seconds(TimeSpan.FromSeconds(Median(group.Select(s => s.Elapsed.TotalSeconds)))), Number(KeysPerSecond(group)),
                Number(last["ListObjectsV2"]), Number(last["GetObject"])]);
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"throughput, {_keys} keys per bucket, median of {samples.Count / rows.Count} run(s):"));
        PrintTable(2, ["layout", "measure", "wall time per run", "median", "keys/s", "ListObjectsV2", "GetObject"], rows);

        var flatDry = KeysPerSecond(samples.Where(s => s.Layout == layouts[0].Name && s.Measure == "sync --dry-run"));
        var spreadDry = KeysPerSecond(samples.Where(s => s.Layout == layouts[1].Name && s.Measure == "sync --dry-run"));
        var flatLister = KeysPerSecond(samples.Where(s => s.Layout == layouts[0].Name && s.Measure.StartsWith("sequential", StringComparison.Ordinal)));
        Console.WriteLine();
        Ratio("one-prefix dry run / 16-prefix dry run", flatDry / spreadDry, 0.8);
        Ratio("one-prefix dry run / sequential lister", flatDry / flatLister, 3);
    }

    private static void Ratio(string what, double ratio, double target) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what,-40} {ratio,6:F2}×   (target ≥ {target:0.#}×: {(ratio >= target ? "met" : "NOT met")})"));

    /// <summary>First sync, a re-sync with nothing changed, a re-sync after 1 % overwritten and 0.5 % deleted; then the index must equal the bucket.</summary>
    private async Task ResyncAsync(Layout layout)
    {
        const string index = "scale-resync";
        var config = Config(layout.Bucket, index);
        var overwritten = Enumerable.Range(0, _keys).Where(i => i % 100 == 1).Select(layout.Key).ToList();
        var removed = Enumerable.Range(0, _keys).Where(i => i % 200 == 4).Select(layout.Key).ToList();
        var steps = new List<(string Step, Phase Phase)>();

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"re-sync of {layout.Bucket} ({layout.Name}, {_keys} keys) with indexing into {index}:"));
        var first = await SyncAsync(config, "first sync", []);
        Account(first.Sync, "first sync", _keys, expectedDeleted: 0);
        steps.Add(("first sync", first));

        var unchanged = await SyncAsync(config, "re-sync, nothing changed", []);
        Account(unchanged.Sync, "re-sync, nothing changed", _keys, expectedDeleted: 0);
        steps.Add(("re-sync, nothing changed", unchanged));

        using (var s3 = _aws.CreateS3Client())
        {
            Require(overwritten.All(k => k.EndsWith(".txt", StringComparison.Ordinal)), "the overwritten keys must be text, so their new text can be searched");
            await BenchObjects.PutAsync(s3, layout.Bucket, overwritten.Select(k => (k, Content(k, revised: true))));
            await BenchObjects.DeleteAsync(s3, layout.Bucket, removed);
        }

        var changedStep = string.Create(CultureInfo.InvariantCulture, $"re-sync, {overwritten.Count} overwritten, {removed.Count} deleted");
        var changed = await SyncAsync(config, changedStep, []);
        Account(changed.Sync, changedStep, _keys - removed.Count, expectedDeleted: removed.Count);
        steps.Add((changedStep, changed));

        PrintTable(1, ["step", "wall time", "GetObject", "ListObjectsV2", "HeadObject", "SQS send/receive", "ES _bulk", "_search", "_mget", "_count", "doc writes", "other ES"],
            steps.Select(s => new[]
            {
                s.Step, Seconds(s.Phase.Sync.Elapsed), Number(s.Phase.S3["GetObject"]), Number(s.Phase.S3["ListObjectsV2"]), Number(s.Phase.S3["HeadObject"]),
                $"{Number(s.Phase.S3["SendMessage"] + s.Phase.S3["SendMessageBatch"])} / {Number(s.Phase.S3["ReceiveMessage"])}",
                Number(s.Phase.Es["_bulk"]), Number(s.Phase.Es["_search"]), Number(s.Phase.Es["_mget"]), Number(s.Phase.Es["_count"]), Number(s.Phase.Es["doc write"]),
                Number(s.Phase.Es.Total - s.Phase.Es["_bulk"] - s.Phase.Es["_search"] - s.Phase.Es["_mget"] - s.Phase.Es["_count"] - s.Phase.Es["doc write"]),
            }).ToList());
        Console.WriteLine("(the in-process queue sends no SQS requests; the CLI summary's counters:)");
        PrintTable(1, ["step", "listed", "indexed", "unchanged", "deleted", "bytes_downloaded"],
            steps.Select(s => new[] { s.Step }.Concat(new[] { "listed", "indexed", "unchanged", "deleted", "bytes_downloaded" }
                .Select(c => s.Phase.Sync.Counter(c) is { } v ? Number(v) : "-")).ToArray()).ToList());
        Console.WriteLine("Elasticsearch requests by kind:");
        foreach (var (step, phase) in steps)
        {
            Console.WriteLine($"  {step}: {phase.Es.Describe()}");
        }

        await VerifyIndexAsync(layout.Bucket, index, overwritten, removed);
    }

    private async Task VerifyIndexAsync(string bucket, string index, List<string> overwritten, List<string> removed)
    {
        // Measuring is over; the delay would only slow the check.
        await _aws.ClearFaultsAsync();
        using var s3 = _aws.CreateS3Client();
        var (objects, _) = await BenchObjects.ListAllAsync(s3, bucket);
        var documents = await CountAsync(index);
        Require(documents == objects, $"after the last re-sync the index holds {documents} documents for {objects} objects");

        var gone = await CountAsync(index, new JsonObject { ["ids"] = new JsonObject { ["values"] = Ids(bucket, removed) } });
        Require(gone == 0, $"{gone} documents of the {removed.Count} deleted objects are still in the index");

        // Every overwritten object must be found by a word only its new text has, and nothing else may be.
        var search = await PostAsync($"{index}/_search", new JsonObject
        {
            ["size"] = overwritten.Count + 1,
            ["_source"] = new JsonArray("filename"),
            ["query"] = new JsonObject { ["match"] = new JsonObject { ["body"] = RevisedWord } },
        });
        var found = search["hits"]!["hits"]!.AsArray().Select(h => h!["_source"]!["filename"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        Require(found.SetEquals(overwritten),
            $"a search for the overwritten objects' new text found {found.Count} documents, {found.Intersect(overwritten).Count()} of the {overwritten.Count} overwritten");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"index equals bucket: {documents} documents for {objects} objects, none of the {removed.Count} deleted, the new text of all {overwritten.Count} overwritten searchable"));
    }

    private string Config(string bucket, string index) => CliSync.WriteConfig(_aws, _esServer.Url, bucket, index, c =>
    {
        // A known jobs index, so the job document (every counter, exactly) can be read back after the sync.
        c["jobs_index"] = JobsIndex;
        if (_pageSize is { } pageSize)
        {
            c["page_size"] = pageSize;
        }
    });

    private async Task<Phase> SyncAsync(string config, string what, string[] extra)
    {
        await _aws.ClearRequestsAsync();
        _esServer.ClearRequests();
        var sync = await CliSync.RunAsync(["sync", "--config", config, "--concurrency", _concurrency.ToString(CultureInfo.InvariantCulture), .. extra], _syncTimeout);
        var s3 = await ReadS3RequestsAsync(what);
        var es = RequestCounts.FromEs(_esServer, EsLogLimit);
        if (!extra.Contains("--dry-run") && sync.JobId is { } jobId)
        {
            sync.WithJobCounters(await JobCountersAsync(jobId));
        }

        return new Phase(sync, s3, es);
    }

    private async Task<RequestCounts> ReadS3RequestsAsync(string what)
    {
        var s3 = await RequestCounts.ReadAsync(_aws, _s3LogLimit);
        Require(_listDelayMs == 0 || s3.Delayed == s3["ListObjectsV2"],
            $"{what}: only {s3.Delayed} of {s3["ListObjectsV2"]} ListObjectsV2 requests were delayed");
        return s3;
    }

    /// <summary>The job document's counters, or null when it cannot be read (then the summary's rows are used).</summary>
    private async Task<JsonObject?> JobCountersAsync(string jobId)
    {
        using var response = await _es.GetAsync(new Uri($"{JobsIndex}/_doc/{Uri.EscapeDataString(jobId)}", UriKind.Relative));
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        var document = await response.Content.ReadFromJsonAsync<JsonObject>();
        return document?["_source"]?["counters"] as JsonObject;
    }

    /// <summary>Every key must be listed once and end indexed (or unchanged, where the engine reports that), none failed.</summary>
    private static void Account(CliSyncResult sync, string what, long expected, long? expectedDeleted)
    {
        Require(sync.Completed, $"{what}: the sync did not complete (status {sync.Status ?? "unknown"}): {sync.Transcript}");
        var listed = sync.Counter("listed");
        Require(listed == expected, $"{what}: the sync listed {listed?.ToString(CultureInfo.InvariantCulture) ?? "no count of"} keys, the bucket has {expected}: {sync.Transcript}");
        var failed = sync.Counter("failed") ?? 0;
        Require(failed == 0, $"{what}: {failed} objects failed: {sync.Transcript}");
        var indexed = sync.Counter("indexed") ?? 0;
        var unchanged = sync.Counter("unchanged") ?? 0;
        Require(indexed == listed || indexed + unchanged == listed,
            $"{what}: {indexed} indexed and {unchanged} unchanged do not account for the {listed} keys listed: {sync.Transcript}");
        if (expectedDeleted is { } deleted)
        {
            Require(sync.Counter("deleted") == deleted, $"{what}: the sync deleted {sync.Counter("deleted")} documents, {deleted} objects were deleted: {sync.Transcript}");
        }
    }

    private static int DistinctIds(string ndjson)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(ndjson))
        {
            using var document = JsonDocument.Parse(line);
            ids.Add(document.RootElement.GetProperty("_id").GetString() ?? "");
        }

        return ids.Count;
    }

    private static JsonArray Ids(string bucket, IEnumerable<string> keys) =>
        new(keys.Select(k => (JsonNode?)JsonValue.Create(ObjectKeys.DocumentId(bucket, k))).ToArray());

    private async Task<long> CountAsync(string index, JsonObject? query = null)
    {
        using var refreshed = await _es.PostAsync(new Uri($"{index}/_refresh", UriKind.Relative), null);
        var body = query is null ? new JsonObject() : new JsonObject { ["query"] = query };
        return (await PostAsync($"{index}/_count", body))["count"]!.GetValue<long>();
    }

    private async Task<JsonNode> PostAsync(string path, JsonObject body)
    {
        using var response = await _es.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
        var text = await response.Content.ReadAsStringAsync();
        Require(response.IsSuccessStatusCode, $"POST {path} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    private double KeysPerSecond(IEnumerable<Sample> samples) => Median(samples.Select(s => _keys / s.Elapsed.TotalSeconds));

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The first <paramref name="wordColumns"/> columns are left-aligned, the figures after them right-aligned.</summary>
    private static void PrintTable(int wordColumns, string[] headers, List<string[]> rows)
    {
        var widths = headers.Select((h, c) => rows.Select(r => r[c].Length).Append(h.Length).Max()).ToArray();
        foreach (var row in rows.Prepend(headers))
        {
            Console.WriteLine("  " + string.Join("  ", row.Select((cell, c) => c < wordColumns ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))));
        }
    }

    private static string Seconds(TimeSpan elapsed) => string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalSeconds:F2} s");

    private static string Number(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static int? EnvInt(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } text
        ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : throw new InvalidOperationException($"{name} must be a whole number, not '{text}'")
        : null;

    private static void Require(bool condition, string failure)
    {
        if (!condition)
        {
            throw new InvalidOperationException(failure);
        }
    }
}
