using System.Text.Json.Nodes;
using Amazon.S3.Model;
using Elastic.Transport;
using S3Connector.EsTestServer;
using S3Connector.Testing;

// The README's demo: a local S3 (fauxqs) and the Elasticsearch test server (or ES_URL), the files of samples/ in a
// bucket, and one full sync through the real scheduler and worker handlers via the CLI.
var esUrl = Environment.GetEnvironmentVariable("ES_URL");
await using var aws = await LocalStack.StartAsync();
await using var esServer = esUrl is null ? await EsTestServerHost.StartAsync() : null;
var es = esServer?.Url ?? new Uri(esUrl!);
Console.WriteLine($"Local S3 and SQS at {aws.Endpoint}; Elasticsearch at {es}");

const string bucket = "demo-documents";
using var s3 = aws.CreateS3Client();
await s3.PutBucketAsync(bucket);
var samples = Path.Combine(LocalStack.RepoRoot, "samples");
foreach (var file in Directory.EnumerateFiles(samples, "*", SearchOption.AllDirectories))
{
    var key = Path.GetRelativePath(samples, file).Replace('\\', '/');
    await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, FilePath = file });
    Console.WriteLine($"  uploaded s3://{bucket}/{key}");
}

var configPath = Path.Combine(Path.GetTempPath(), "s3-connector-demo.json");
var elasticsearch = new JsonObject { ["host"] = es.ToString() };
if (Environment.GetEnvironmentVariable("ES_API_KEY") is { } apiKey)
{
    elasticsearch["api_key"] = apiKey;
}

File.WriteAllText(configPath, new JsonObject
{
    ["buckets"] = new JsonArray(bucket),
    ["index_name"] = "demo-documents",
    ["endpoint_url"] = aws.Endpoint.ToString().TrimEnd('/'),
    ["aws_access_key_id"] = "test",
    ["aws_secret_access_key"] = "test",
    ["elasticsearch"] = elasticsearch,
}.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"\nConfiguration written to {configPath}\n$ s3-connector sync --config {configPath}");

var exit = await S3Connector.Cli.Program.RunAsync(["sync", "--config", configPath], new Dictionary<string, string?>(), Console.Out, Console.Error, CancellationToken.None);
if (exit != 0)
{
    return exit;
}

var client = new Elastic.Clients.Elasticsearch.ElasticsearchClient(new Uri(es.ToString()));
var search = await client.Transport.RequestAsync<StringResponse>(Elastic.Transport.HttpMethod.POST, "/demo-documents/_search",
    PostData.String("""{"size":3,"query":{"match":{"body":"lighthouse"}},"_source":["filename","size_in_bytes","_timestamp","body"]}"""));
Console.WriteLine("\nA few indexed documents (search: body matches \"lighthouse\"):");
foreach (var hit in JsonNode.Parse(search.Body)!["hits"]!["hits"]!.AsArray())
{
    Console.WriteLine($"  {hit!["_id"]}  {hit["_source"]!.ToJsonString(Readable)}");
}

return 0;

public static partial class Program
{
    private static readonly System.Text.Json.JsonSerializerOptions Readable = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
