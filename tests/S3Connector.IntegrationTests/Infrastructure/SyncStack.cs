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
/// The stack of one test class: an S3 + SQS emulator (<see cref="IS3Stack"/>), and the Elasticsearch test server, or
/// the real cluster named by <c>ES_URL</c> (with <c>ES_API_KEY</c>) so the same suite checks real Elasticsearch.
/// Scenarios written against this base run on fauxqs (<see cref="SyncStack"/>) and on moto (<see cref="MotoStack"/>).
/// </summary>
public abstract class S3SyncStack : IAsyncLifetime
{
    private IS3Stack _s3Stack = null!;

    /// <summary>The emulator this stack runs on.</summary>
    public IS3Stack S3Stack => _s3Stack;

    public EsTestServerHost? EsServer { get; private set; }
    public Uri EsUrl { get; private set; } = null!;
    public string? EsApiKey { get; } = Environment.GetEnvironmentVariable("ES_API_KEY");
    public IAmazonS3 S3 { get; private set; } = null!;
    public ElasticsearchClient Es { get; private set; } = null!;

    /// <summary>Fault injection needs the test server; against a real cluster those tests only check the happy path.</summary>
    public bool RealCluster => EsServer is null;

    protected abstract Task<IS3Stack> StartS3StackAsync();

    public async Task InitializeAsync()
    {
        _s3Stack = await StartS3StackAsync();
        S3 = _s3Stack.CreateS3Client();
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
        // A failed start leaves these unset; xunit still calls DisposeAsync.
        S3?.Dispose();
        if (EsServer is not null)
        {
            await EsServer.DisposeAsync();
        }

        if (_s3Stack is not null)
        {
            await _s3Stack.DisposeAsync();
        }
    }

    public static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 33)];

    public async Task<string> CreateBucketAsync(string prefix = "bucket")
    {
        var bucket = NewName(prefix);
        await S3.PutBucketAsync(bucket);
        return bucket;
    }

    public Task PutAsync(string bucket, string key, string content = "", string? storageClass = null, IDictionary<string, string>? metadata = null)
    {
        var request = new PutObjectRequest
        {
            BucketName = bucket,
            Key = key,
            InputStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
            StorageClass = storageClass is null ? null : S3StorageClass.FindValue(storageClass),
        };
        foreach (var (name, value) in metadata ?? new Dictionary<string, string>())
        {
            request.Metadata[name] = value;
        }

        return S3.PutObjectAsync(request);
    }

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
            ["endpoint_url"] = _s3Stack.Endpoint.ToString().TrimEnd('/'),
            ["aws_access_key_id"] = _s3Stack.Keys.AccessKey,
            ["aws_secret_access_key"] = _s3Stack.Keys.SecretKey,
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

/// <summary>The local stack of most test classes: fauxqs, with its request log and fault injection (<see cref="Aws"/>).</summary>
public sealed class SyncStack : S3SyncStack
{
    public LocalStack Aws => (LocalStack)S3Stack;

    protected override async Task<IS3Stack> StartS3StackAsync() => await LocalStack.StartAsync();
}
