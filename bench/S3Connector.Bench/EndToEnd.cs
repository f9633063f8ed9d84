using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.S3;
using Amazon.S3.Model;
using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.Core.Bulk;
using S3Connector.Core.Documents;
using S3Connector.EsTestServer;
using S3Connector.Testing;

namespace S3Connector.Bench;

/// <summary>
/// Objects per second of a full sync through the CLI (the real handlers, in-process queue), next to a baseline that
/// does the same I/O with the same clients and no connector logic: list every key, get the objects the connector
/// reads, bulk-index one small document per object.
/// </summary>
public static class EndToEnd
{
    public static async Task<int> RunAsync(int objectCount, int runs)
    {
        await using var aws = await LocalStack.StartAsync();
        await using var esServer = await EsTestServerHost.StartAsync();
        using var s3 = aws.CreateS3Client();
        var es = new ElasticsearchClient(esServer.Url);

        const string bucket = "bench";
        await s3.PutBucketAsync(bucket);
        var keys = Enumerable.Range(0, objectCount).Select(Key).ToList();
        var seed = Stopwatch.StartNew();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (key, ct) =>
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = Content(key) }, ct));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seeded {objectCount} objects in {seed.Elapsed.TotalSeconds:F1} s"));

        var baseline = new List<double>();
        var connector = new List<double>();
        for (var run = 1; run <= runs; run++)
        {
            var raw = await BaselineAsync(s3, es, bucket, $"baseline-{run}");
            baseline.Add(objectCount / raw.TotalSeconds);
            var sync = await ConnectorAsync(aws, esServer.Url, bucket, $"connector-{run}", objectCount);
            connector.Add(objectCount / sync.TotalSeconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run {run}: baseline {raw.TotalSeconds:F2} s ({baseline[^1]:F0} objects/s), connector {sync.TotalSeconds:F2} s ({connector[^1]:F0} objects/s)"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median over {runs} runs: baseline {Median(baseline):F0} objects/s, connector {Median(connector):F0} objects/s ({Median(connector) / Median(baseline):P0} of baseline)"));
        return 0;
    }

    /// <summary>Nested prefixes; three objects in ten are text the connector downloads, the rest metadata only.</summary>
    private static string Key(int i) => i % 10 < 3
        ? $"top{i % 8}/mid{i % 5}/doc {i}.txt"
        : $"top{i % 8}/mid{i % 5}/blob-{i}.bin";

    private static string Content(string key) =>
        key.EndsWith(".txt", StringComparison.Ordinal) ? string.Concat(Enumerable.Repeat($"Text of {key}. ", 60)) : "binary";

    private static async Task<TimeSpan> BaselineAsync(IAmazonS3 s3, ElasticsearchClient es, string bucket, string index)
    {
        var clock = Stopwatch.StartNew();
        var listed = new List<S3Object>();
        string? token = null;
        do
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = token, MaxKeys = 1000 });
            listed.AddRange(page.S3Objects ?? []);
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);

        var documents = new JsonObject[listed.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, listed.Count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var key = listed[i].Key;
            string? body = null;
            if (key.EndsWith(".txt", StringComparison.Ordinal))
            {
                using var response = await s3.GetObjectAsync(bucket, key, ct);
                using var reader = new StreamReader(response.ResponseStream, Encoding.UTF8);
                body = await reader.ReadToEndAsync(ct);
            }

            documents[i] = new JsonObject { ["filename"] = key, ["size_in_bytes"] = listed[i].Size, ["body"] = body };
        });

        foreach (var chunk in documents.Chunk(500))
        {
            var bulk = new BulkRequest(index)
            {
                Operations = [.. chunk.Select(d => new BulkIndexOperation<JsonObject>(d) { Id = ObjectKeys.DocumentId(bucket, d["filename"]!.GetValue<string>()) })],
            };
            var response = await es.BulkAsync(bulk);
            if (response.Errors || !response.IsValidResponse)
            {
                throw new InvalidOperationException("baseline bulk failed: " + response.DebugInformation);
            }
        }

        return clock.Elapsed;
    }

    private static async Task<TimeSpan> ConnectorAsync(LocalStack aws, Uri es, string bucket, string index, int expected)
    {
        var config = CliSync.WriteConfig(aws, es, bucket, index, c =>
            c["page_size"] = int.Parse(Environment.GetEnvironmentVariable("BENCH_PAGE_SIZE") ?? "100", CultureInfo.InvariantCulture));
        var clock = Stopwatch.StartNew();
        using var output = new StringWriter();
        var exit = await Cli.Program.RunAsync(["sync", "--config", config, "--concurrency", Environment.GetEnvironmentVariable("BENCH_CONCURRENCY") ?? "4"], new Dictionary<string, string?>(), output, TextWriter.Null, CancellationToken.None);
        // A fast sync that lost objects is no result: every object must have been listed and indexed.
        var indexed = System.Text.RegularExpressions.Regex.Match(output.ToString(), @"^\s+indexed\s+(\d+)", System.Text.RegularExpressions.RegexOptions.Multiline);
        if (exit != 0 || !indexed.Success || long.Parse(indexed.Groups[1].Value, CultureInfo.InvariantCulture) != expected)
        {
            throw new InvalidOperationException($"connector sync failed or indexed other than {expected} objects: " + output);
        }

        return clock.Elapsed;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
