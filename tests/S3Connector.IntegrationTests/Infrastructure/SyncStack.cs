using System.Text;
using System.Text.Json.Nodes;
using Amazon.S3;
using Amazon.S3.Model;
using Elastic.Clients.Elasticsearch;
using Elastic.Transport;
using S3Connector.EsTestServer;
using S3Connector.Testing;

namespace S3Connector.IntegrationTests.Infrastructure;

/// <summary>
/// The local stack of one test class: fauxqs for S3 and SQS, and the Elasticsearch test server, or the real cluster
/// named by <c>ES_URL</c> (with <c>ES_API_KEY</c>) so the same suite checks real Elasticsearch.
/// </summary>
public sealed class SyncStack : IAsyncLifetime
{
    public LocalStack Aws { get; private set; } = null!;
    public EsTestServerHost? EsServer { get; private set; }
    public Uri EsUrl { get; private set; } = null!;
    public string? EsApiKey { get; } = Environment.GetEnvironmentVariable("ES_API_KEY");
    public IAmazonS3 S3 { get; private set; } = null!;
    public ElasticsearchClient Es { get; private set; } = null!;

    /// <summary>Fault injection needs the test server; against a real cluster those tests only check the happy path.</summary>
    public bool RealCluster => EsServer is null;

    public async Task InitializeAsync()
    {
        Aws = await LocalStack.StartAsync();
        S3 = Aws.CreateS3Client();
        if (Environment.GetEnvironmentVariable("ES_URL") is { Length: > 0 } url)
        {
            EsUrl = new Uri(url);
        }
        else
        {
            EsServer = await EsTestServerHost.StartAsync();
            EsUrl = EsServer.Url;
        }

        var settings = new ElasticsearchClientSettings(EsUrl);
        if (EsApiKey is not null)
        {
            settings.Authentication(new ApiKey(EsApiKey));
        }

        Es = new ElasticsearchClient(settings);
    }

    public async Task DisposeAsync()
    {
        S3.Dispose();
        if (EsServer is not null)
        {
            await EsServer.DisposeAsync();
        }

        await Aws.DisposeAsync();
    }

    public static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 33)];

    public async Task<string> CreateBucketAsync(string prefix = "bucket")
    {
        var bucket = NewName(prefix);
        await S3.PutBucketAsync(bucket);
        return bucket;
    }

    public Task PutAsync(string bucket, string key, string content = "", string? storageClass = null) =>
        S3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = key,
            InputStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
            StorageClass = storageClass is null ? null : S3StorageClass.FindValue(storageClass),
        });

    public async Task PutManyAsync(string bucket, IEnumerable<(string Key, string Content)> objects, int parallelism = 8)
    {
        await Parallel.ForEachAsync(objects, new ParallelOptions { MaxDegreeOfParallelism = parallelism },
            async (o, _) => await PutAsync(bucket, o.Key, o.Content));
    }

    /// <summary>Writes a configuration file for the CLI; <paramref name="tweak"/> changes keys for one test.</summary>
    public string WriteConfig(string index, IEnumerable<string> buckets, Action<JsonObject>? tweak = null)
    {
        var es = new JsonObject { ["host"] = EsUrl.ToString() };
        if (EsApiKey is not null)
        {
            es["api_key"] = EsApiKey;
        }

        var config = new JsonObject
        {
            ["buckets"] = new JsonArray(buckets.Select(b => (JsonNode)JsonValue.Create(b)!).ToArray()),
            ["index_name"] = index,
            ["jobs_index"] = index + "-jobs",
            ["endpoint_url"] = Aws.Endpoint.ToString().TrimEnd('/'),
            ["aws_access_key_id"] = "test",
            ["aws_secret_access_key"] = "test",
            ["elasticsearch"] = es,
        };
        tweak?.Invoke(config);
        var path = Path.Combine(Path.GetTempPath(), $"s3c-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, config.ToJsonString());
        return path;
    }

    public sealed record CliResult(int ExitCode, string Output, string Error);

    public static async Task<CliResult> RunCliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var code = await Cli.Program.RunAsync(args, new Dictionary<string, string?>(), output, error, timeout.Token);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>Every document of the index as id → source, read with search_after (the test indices are small).</summary>
    public Task<Dictionary<string, JsonObject>> ReadIndexAsync(string index) => ReadIndexAsync(Es, index);

    /// <summary>Every document of the index on <paramref name="es"/>, for stacks other than this one (moto's).</summary>
    public static async Task<Dictionary<string, JsonObject>> ReadIndexAsync(ElasticsearchClient es, string index)
    {
        await es.Indices.RefreshAsync(index);
        var result = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        string? after = null;
        while (true)
        {
            var body = new JsonObject
            {
                ["size"] = 1000,
                ["sort"] = new JsonArray(new JsonObject { ["id"] = "asc" }),
                ["query"] = new JsonObject { ["match_all"] = new JsonObject() },
            };
            if (after is not null)
            {
                body["search_after"] = new JsonArray(after);
            }

            var response = await es.Transport.RequestAsync<StringResponse>(
                Elastic.Transport.HttpMethod.POST, $"/{index}/_search", PostData.String(body.ToJsonString()));
            Assert.True(response.ApiCallDetails.HasSuccessfulStatusCode, response.Body);
            var hits = JsonNode.Parse(response.Body)!["hits"]!["hits"]!.AsArray();
            foreach (var hit in hits)
            {
                result[hit!["_id"]!.GetValue<string>()] = hit["_source"]!.AsObject();
            }

            if (hits.Count < 1000)
            {
                return result;
            }

            after = hits[^1]!["sort"]![0]!.GetValue<string>();
        }
    }

    public async Task<bool> IndexExistsAsync(string index) => (await Es.Indices.ExistsAsync(index)).Exists;
}
