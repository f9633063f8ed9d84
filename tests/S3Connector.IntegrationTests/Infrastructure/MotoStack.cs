using System.Text;
using System.Text.Json.Nodes;
using Amazon.S3;
using Amazon.S3.Model;
using Elastic.Clients.Elasticsearch;
using S3Connector.EsTestServer;
using S3Connector.Testing;

namespace S3Connector.IntegrationTests.Infrastructure;

/// <summary>
/// The stack of the moto tests: moto_server for S3, SQS, STS and SSM, and the Elasticsearch test server. Always the
/// test server, even with <c>ES_URL</c> set: what these tests check is the S3 side, and some count its requests.
/// </summary>
public sealed class MotoStack : IAsyncLifetime
{
    public MotoServer Moto { get; private set; } = null!;
    public EsTestServerHost EsServer { get; private set; } = null!;
    public IAmazonS3 S3 { get; private set; } = null!;
    public ElasticsearchClient Es { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Moto = await MotoServer.StartAsync();
        S3 = Moto.CreateS3Client();
        EsServer = await EsTestServerHost.StartAsync();
        Es = new ElasticsearchClient(new ElasticsearchClientSettings(EsServer.Url));
    }

    public async Task DisposeAsync()
    {
        // A failed start leaves these unset; xunit still calls DisposeAsync.
        S3?.Dispose();
        if (EsServer is not null)
        {
            await EsServer.DisposeAsync();
        }

        if (Moto is not null)
        {
            await Moto.DisposeAsync();
        }
    }

    public async Task<string> CreateBucketAsync(string prefix)
    {
        var bucket = SyncStack.NewName(prefix);
        await S3.PutBucketAsync(bucket);
        return bucket;
    }

    public Task PutAsync(string bucket, string key, string content, string? storageClass = null, IDictionary<string, string>? metadata = null)
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

    /// <summary>A CLI configuration pointing at moto with its dummy keys; <paramref name="tweak"/> changes keys for one test.</summary>
    public string WriteConfig(string index, IEnumerable<string> buckets, Action<JsonObject>? tweak = null)
    {
        var config = new JsonObject
        {
            ["buckets"] = new JsonArray(buckets.Select(b => (JsonNode)JsonValue.Create(b)!).ToArray()),
            ["index_name"] = index,
            ["jobs_index"] = index + "-jobs",
            ["endpoint_url"] = Moto.Endpoint.ToString().TrimEnd('/'),
            ["aws_access_key_id"] = MotoServer.AccessKey,
            ["aws_secret_access_key"] = MotoServer.SecretKey,
            ["elasticsearch"] = new JsonObject { ["host"] = EsServer.Url.ToString() },
        };
        tweak?.Invoke(config);
        var path = Path.Combine(Path.GetTempPath(), $"s3c-moto-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, config.ToJsonString());
        return path;
    }

    public Task<Dictionary<string, JsonObject>> ReadIndexAsync(string index) => SyncStack.ReadIndexAsync(Es, index);
}
