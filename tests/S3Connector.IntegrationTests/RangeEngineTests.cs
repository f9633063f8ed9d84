using System.Text.Json.Nodes;
using System.Web;
using Amazon.S3.Model;
using S3Connector.Core.Configuration;
using S3Connector.Core.Diagnostics;
using S3Connector.Core.Documents;
using S3Connector.Core.Elasticsearch;
using S3Connector.Core.Jobs;
using S3Connector.Core.Sync;
using S3Connector.Functions.Runtime;
using S3Connector.IntegrationTests.Infrastructure;

namespace S3Connector.IntegrationTests;

/// <summary>The key-range engine: re-syncs that cost only what changed, ranges that repeat exactly their own keys,
/// and long prefixes divided so they list in parallel.</summary>
public sealed class RangeEngineTests(SyncStack stack) : IClassFixture<SyncStack>
{
    private static ConnectorOptions Load(string config) => ConnectorConfiguration.Load(config, new Dictionary<string, string?>());

    private async Task<List<string>> GetObjectKeysAsync(string bucket) =>
        [.. (await stack.Aws.GetRequestsAsync()).Where(r => r.Bucket == bucket && r.Operation == "GetObject").Select(r => r.Key!)];

    private static string Id(string bucket, string key) => ObjectKeys.DocumentId(bucket, key);

    private static async Task<SyncStack.CliResult> SyncAsync(string config)
    {
        var result = await SyncStack.RunCliAsync("sync", "--config", config);
        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        return result;
    }

    [Fact]
    public async Task A_resync_downloads_and_writes_only_what_changed_and_the_index_ends_equal_to_the_bucket()
    {
        var bucket = await stack.CreateBucketAsync("resync");
        var keys = Enumerable.Range(0, 240).Select(i => i % 4 == 0 ? $"docs/blob-{i:D3}.bin" : $"docs/{i / 60}/note-{i:D3}.txt").ToList();
        await stack.PutManyAsync(bucket, keys.Select(k => (k, $"first text of {k}")));
        var index = SyncStack.NewName("resync");
        var config = stack.WriteConfig(index, [bucket], c => c["page_size"] = 25);
        await SyncAsync(config);

        await stack.Aws.ClearRequestsAsync();
        stack.EsServer?.ClearRequests();
        var unchanged = await SyncAsync(config);

        Assert.Empty(await GetObjectKeysAsync(bucket));
        Assert.Matches(@"unchanged\s+240\b", unchanged.Output);
        Assert.Matches(@"indexed\s+0\b", unchanged.Output);
        if (stack.EsServer is { } server)
        {
            // Nothing changed, so nothing is written to the content index (the jobs index keeps its bookkeeping).
            Assert.DoesNotContain(server.Requests, r => r.Path.StartsWith($"/{index}/_bulk", StringComparison.Ordinal));
        }

        var texts = keys.Where(k => k.EndsWith(".txt", StringComparison.Ordinal)).ToList();
        var overwritten = texts.Where((_, i) => i % 9 == 0).Take(20).ToList();
        var deleted = keys.Except(overwritten).Where((_, i) => i % 21 == 5).Take(10).ToList();
        Assert.Equal(20, overwritten.Count);
        Assert.Equal(10, deleted.Count);
        await stack.PutManyAsync(bucket, overwritten.Select(k => (k, $"second text of {k}")));
        foreach (var key in deleted)
        {
            await stack.S3.DeleteObjectAsync(bucket, key);
        }

        await stack.Aws.ClearRequestsAsync();
        var changed = await SyncAsync(config);

        Assert.Equal(overwritten.Order(), (await GetObjectKeysAsync(bucket)).Order());
        Assert.Matches(@"deleted\s+10\b", changed.Output);
        var documents = await stack.ReadIndexAsync(index);
        Assert.Equal(keys.Except(deleted).Select(k => Id(bucket, k)).Order(), documents.Keys.Order());
        foreach (var key in overwritten)
        {
            Assert.Equal($"second text of {key}", documents[Id(bucket, key)]["body"]!.GetValue<string>().Trim());
        }

        // A setting that shapes documents changes every fingerprint: the next sync extracts everything again.
        var reconfigured = stack.WriteConfig(index, [bucket], c =>
        {
            c["page_size"] = 25;
            c["max_body_chars"] = 5000;
        });
        await stack.Aws.ClearRequestsAsync();
        await SyncAsync(reconfigured);
        Assert.Equal(texts.Except(deleted).Order(), (await GetObjectKeysAsync(bucket)).Order());
    }

    [Fact]
    public async Task A_bucket_dropped_from_the_configuration_loses_its_documents_when_the_sync_completes()
    {
        var kept = await stack.CreateBucketAsync("kept");
        var dropped = await stack.CreateBucketAsync("dropped");
        await stack.PutManyAsync(kept, [("a.txt", "a"), ("b/c.txt", "c")]);
        await stack.PutManyAsync(dropped, [("d.txt", "d")]);
        var index = SyncStack.NewName("scopes");
        await SyncAsync(stack.WriteConfig(index, [kept, dropped]));
        Assert.Equal(3, (await stack.ReadIndexAsync(index)).Count);

        var result = await SyncAsync(stack.WriteConfig(index, [kept]));

        Assert.Matches(@"deleted\s+1\b", result.Output);
        Assert.Equal(new[] { Id(kept, "a.txt"), Id(kept, "b/c.txt") }.Order(), (await stack.ReadIndexAsync(index)).Keys.Order());
    }

    /// <summary>
    /// The defect of page-numbered units: a page retried after a key was uploaded inside it ended one key earlier,
    /// and the key at its old end was never read. A range repeats exactly its recorded keys.
    /// </summary>
    [Fact]
    public async Task A_range_retried_while_a_key_is_uploaded_into_it_loses_no_key()
    {
        var bucket = await stack.CreateBucketAsync("retried");
        var keys = Enumerable.Range(1, 10).Select(i => $"k{i:D2}.txt").ToList();
        await stack.PutManyAsync(bucket, keys.Select(k => (k, "text of " + k)));
        var index = SyncStack.NewName("retried");
        var options = Load(stack.WriteConfig(index, [bucket], c => c["page_size"] = 2));

        var summary = await InProcessSync.RunAsync(options, decorateSink: inner => new FailFirstWriteSink(inner,
            () => stack.PutAsync(bucket, "k01a.txt", "text of k01a.txt")), consumers: 1);

        Assert.True(summary.Status == JobStatus.Completed, summary.Error);
        var documents = await stack.ReadIndexAsync(index);
        Assert.Equal(keys.Append("k01a.txt").Select(k => Id(bucket, k)).Order(), documents.Keys.Order());
    }

    /// <summary>A range handed out with the reading of the unit that divided it lists nothing itself, until a retry.</summary>
    [Fact]
    public async Task A_range_read_by_the_unit_that_divided_it_is_not_listed_again_unless_retried()
    {
        var bucket = await stack.CreateBucketAsync("read");
        var keys = Enumerable.Range(1, 300).Select(i => $"notes/n{i:D3}.txt").ToList();
        await stack.PutManyAsync(bucket, keys.Select(k => (k, "text of " + k)), parallelism: 16);
        var index = SyncStack.NewName("read");
        var config = stack.WriteConfig(index, [bucket], c => c["page_size"] = 25);
        await stack.Aws.ClearRequestsAsync();

        await SyncAsync(config);

        var listings = (await stack.Aws.GetRequestsAsync())
            .Where(r => r.Bucket == bucket && r.Operation == "ListObjectsV2")
            .Select(r => HttpUtility.ParseQueryString(r.Query))
            .Where(q => q["delimiter"] is null)
            .ToList();
        // The scheduler's ranges (the keys before "notes/", and "notes/" on) list once each; the pieces never.
        Assert.True(listings.Count <= 2 && listings.All(q => q["start-after"] is null or "notes/"),
            string.Join(" | ", listings.Select(q => q.ToString())));
        Assert.Equal(keys.Select(k => Id(bucket, k)).Order(), (await stack.ReadIndexAsync(index)).Keys.Order());

        // A read range whose write fails is retried by listing it: the key uploaded into it meanwhile is indexed.
        var index2 = SyncStack.NewName("read-retried");
        var options = Load(stack.WriteConfig(index2, [bucket], c => c["page_size"] = 25));
        var failing = Id(bucket, "notes/n140.txt");
        var summary = await InProcessSync.RunAsync(options, decorateSink: inner => new FailFirstWriteSink(inner,
            () => stack.PutAsync(bucket, "notes/n140a.txt", "text of notes/n140a.txt"), ids => ids.Contains(failing)), consumers: 2);

        Assert.True(summary.Status == JobStatus.Completed, summary.Error);
        var indexed = (await stack.ReadIndexAsync(index2)).Keys.ToHashSet();
        Assert.Equal("", string.Join(" ", keys.Append("notes/n140a.txt").Where(k => !indexed.Contains(Id(bucket, k)))));
        Assert.Equal(keys.Count + 1, indexed.Count);
    }

    /// <summary>The metrics a sync reports, as the Lambda writes them (embedded metric format lines), add up to its job.</summary>
    [Fact]
    public async Task A_sync_reports_each_range_and_its_end_as_metrics_that_add_up_to_the_job()
    {
        var bucket = await stack.CreateBucketAsync("metrics");
        var keys = Enumerable.Range(1, 120).Select(i => $"m/{i % 4}/k{i:D3}.txt").ToList();
        await stack.PutManyAsync(bucket, keys.Select(k => (k, "text of " + k)), parallelism: 16);
        var index = SyncStack.NewName("metrics");
        var options = Load(stack.WriteConfig(index, [bucket], c => c["page_size"] = 25));
        using var emf = new EmfCapture();
        await stack.Aws.ClearRequestsAsync();

        var summary = await InProcessSync.RunAsync(options, metrics: emf.Metrics);

        Assert.True(summary.Status == JobStatus.Completed, summary.Error);
        Assert.All(emf.Reports, r => Assert.Equal(index, r[EmfMetrics.IndexDimension]!.GetValue<string>()));
        Assert.Equal(1, emf.Sum(ConnectorMetrics.SyncCompleted));
        Assert.Equal(0, emf.Sum(ConnectorMetrics.SyncFailed));
        Assert.Equal(summary.Counters.Listed, emf.Sum(ConnectorMetrics.ObjectsListed));
        Assert.Equal(summary.Counters.Indexed, emf.Sum(ConnectorMetrics.ObjectsIndexed));
        Assert.Equal(summary.Counters.BytesDownloaded, emf.Sum(ConnectorMetrics.BytesDownloaded));
        Assert.True(emf.Sum(ConnectorMetrics.RangesCompleted) >= 120 / 25, $"{emf.Sum(ConnectorMetrics.RangesCompleted)} ranges");
        // Every listing a worker made, and nothing else: the scheduler's delimited probes are not ranges' work.
        var listings = (await stack.Aws.GetRequestsAsync())
            .Count(r => r.Bucket == bucket && r.Operation == "ListObjectsV2" && HttpUtility.ParseQueryString(r.Query)["delimiter"] is null);
        Assert.Equal(listings, emf.Sum(ConnectorMetrics.ListRequests));
    }

    [Fact]
    public async Task One_long_prefix_is_divided_into_ranges_listed_in_parallel()
    {
        var bucket = await stack.CreateBucketAsync("flat");
        var keys = Enumerable.Range(0, 4500).Select(i => $"flat/{i:D6}.bin").ToList();
        await stack.PutManyAsync(bucket, keys.Select(k => (k, "x")), parallelism: 16);
        var index = SyncStack.NewName("flat");
        await stack.Aws.ClearRequestsAsync();

        await SyncAsync(stack.WriteConfig(index, [bucket]));

        var listings = (await stack.Aws.GetRequestsAsync())
            .Where(r => r.Bucket == bucket && r.Operation == "ListObjectsV2")
            .Select(r => HttpUtility.ParseQueryString(r.Query))
            .Where(q => q["max-keys"] != "1") // the scheduler's probe that the bucket can be listed
            .ToList();
        Assert.All(listings, q => Assert.Equal("1000", q["max-keys"]));
        // The first range lists 1,000 keys and hands the rest out as several ranges at once, not as one chain.
        var starts = listings.Select(q => q["start-after"]).Where(s => s is not null).Distinct().Count();
        Assert.True(starts >= 4, $"{starts} ranges started after a key");
        Assert.Equal(keys.Select(k => Id(bucket, k)).Order(), (await stack.ReadIndexAsync(index)).Keys.Order());
    }

    /// <summary>
    /// Fails the first write batch (or the first whose document ids <paramref name="matches"/>) as a bulk request
    /// that Elasticsearch refused, after running a hook.
    /// </summary>
    private sealed class FailFirstWriteSink(IDocumentSink inner, Func<Task> onFailure, Func<IReadOnlyList<string>, bool>? matches = null)
        : IDocumentSink
    {
        private int _failed;

        public Task EnsureIndexAsync(CancellationToken ct) => inner.EnsureIndexAsync(ct);

        public async Task<IReadOnlyList<WriteFailure>> WriteAsync(IAsyncEnumerable<DocumentWrite> writes, CancellationToken ct)
        {
            var batch = new List<DocumentWrite>();
            await foreach (var write in writes.WithCancellation(ct))
            {
                batch.Add(write);
            }

            if (Volatile.Read(ref _failed) == 1 || matches is not null && !matches([.. batch.Select(w => w.Id)])
                || Interlocked.Exchange(ref _failed, 1) == 1)
            {
                return await inner.WriteAsync(batch.ToAsyncEnumerable(), ct);
            }

            await onFailure();
            return [.. batch.Select(w => new WriteFailure(w.Tag, w.Id, "injected 503", Retryable: true))];
        }

        public IAsyncEnumerable<IndexedObject> ReadRangeAsync(string bucket, KeyRange range, CancellationToken ct) =>
            inner.ReadRangeAsync(bucket, range, ct);

        public Task<long> DeleteOutsideAsync(IReadOnlyList<ListingScope> scopes, CancellationToken ct) => inner.DeleteOutsideAsync(scopes, ct);
    }
}
