using System.Text;
using System.Text.Json.Nodes;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using S3Connector.EsTestServer;
using S3Connector.Testing;

namespace S3Connector.LambdaTests;

/// <summary>fauxqs (S3 + SQS) and the Elasticsearch test server, shared by the binary tests of one class.</summary>
public sealed class LambdaStack : IAsyncLifetime
{
    /// <summary>A secret the tests pass in and then look for in everything the bootstrap reports.</summary>
    public const string SecretKey = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";

    public LocalStack Aws { get; private set; } = null!;
    public EsTestServerHost Es { get; private set; } = null!;
    public IAmazonS3 S3 { get; private set; } = null!;
    public IAmazonSQS Sqs { get; private set; } = null!;
    public HttpClient EsHttp { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Aws = await LocalStack.StartAsync();
        Es = await EsTestServerHost.StartAsync();
        S3 = Aws.CreateS3Client();
        Sqs = Aws.CreateSqsClient();
        EsHttp = new HttpClient { BaseAddress = Es.Url };
    }

    public async Task DisposeAsync()
    {
        EsHttp.Dispose();
        S3.Dispose();
        Sqs.Dispose();
        await Es.DisposeAsync();
        await Aws.DisposeAsync();
    }

    public static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public sealed record Setup(string Bucket, string Index, string QueueUrl);

    /// <summary>A bucket holding <paramref name="objects"/> text files, a fresh index name and a fresh work queue.</summary>
    public async Task<Setup> CreateAsync(int objects)
    {
        var bucket = NewName("lambda");
        await S3.PutBucketAsync(bucket);
        for (var i = 0; i < objects; i++)
        {
            await S3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = bucket,
                Key = $"docs/file-{i}.txt",
                InputStream = new MemoryStream(Encoding.UTF8.GetBytes($"document number {i}")),
            });
        }

        var queue = await Sqs.CreateQueueAsync(NewName("work"));
        return new Setup(bucket, NewName("index"), queue.QueueUrl);
    }

    /// <summary>The environment the template gives a function, pointed at the local stack.</summary>
    public Dictionary<string, string> Environment(Setup setup, string handler) => new()
    {
        ["_HANDLER"] = handler,
        ["AWS_LAMBDA_FUNCTION_NAME"] = "s3-lambda-connector-" + handler,
        ["S3C_BUCKETS"] = setup.Bucket,
        ["S3C_INDEX_NAME"] = setup.Index,
        ["S3C_JOBS_INDEX"] = setup.Index + "-jobs",
        ["S3C_ENDPOINT_URL"] = Aws.Endpoint.ToString().TrimEnd('/'),
        ["S3C_AWS_ACCESS_KEY_ID"] = "test",
        ["S3C_AWS_SECRET_ACCESS_KEY"] = SecretKey,
        ["S3C_ELASTICSEARCH__HOST"] = Es.Url.ToString(),
        ["S3C_WORK_QUEUE_URL"] = setup.QueueUrl,
        ["S3C_PAGE_SIZE"] = "100",
    };

    /// <summary>Everything on the work queue now, as Lambda's SQS event would carry it.</summary>
    public async Task<List<Message>> DrainAsync(string queueUrl)
    {
        var messages = new List<Message>();
        while (true)
        {
            var received = await Sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = queueUrl,
                MaxNumberOfMessages = 10,
                WaitTimeSeconds = 1,
                MessageSystemAttributeNames = ["All"],
            });
            if (received.Messages is not { Count: > 0 })
            {
                return messages;
            }

            messages.AddRange(received.Messages);
        }
    }

    /// <summary>
    /// The sample S3 notification of events/ (ObjectCreated:Put) for another bucket and key; the key must be written as
    /// S3 encodes it in notifications (plain ASCII keys without spaces or '+' are unchanged).
    /// </summary>
    public static string S3Notification(string bucket, string encodedKey) =>
        File.ReadAllText(Path.Combine(LocalStack.RepoRoot, "events", "events-s3-direct.json"))
            .Replace("example-bucket", bucket, StringComparison.Ordinal)
            .Replace("docs/hello+world%C3%A9.txt", encodedKey, StringComparison.Ordinal);

    public static string SqsEvent(IEnumerable<(string Id, string Body)> records)
    {
        var array = new JsonArray();
        foreach (var (id, body) in records)
        {
            array.Add(new JsonObject
            {
                ["messageId"] = id,
                ["receiptHandle"] = "handle-" + id,
                ["body"] = body,
                ["attributes"] = new JsonObject { ["ApproximateReceiveCount"] = "1" },
                ["eventSource"] = "aws:sqs",
                ["eventSourceARN"] = "arn:aws:sqs:us-east-1:000000000000:work",
                ["awsRegion"] = "us-east-1",
            });
        }

        return new JsonObject { ["Records"] = array }.ToJsonString();
    }

    public async Task<int> CountAsync(string index)
    {
        using var refresh = await EsHttp.PostAsync(new Uri($"/{index}/_refresh", UriKind.Relative), null);
        using var search = await EsHttp.PostAsync(new Uri($"/{index}/_search", UriKind.Relative),
            new StringContent("""{"size":0,"track_total_hits":true,"query":{"match_all":{}}}""", Encoding.UTF8, "application/json"));
        var body = await search.Content.ReadAsStringAsync();
        Assert.True(search.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!["hits"]!["total"]!["value"]!.GetValue<int>();
    }

    /// <summary>The extracted body of one document, or null when it has none (or does not exist).</summary>
    public async Task<string?> BodyAsync(string index, string id)
    {
        using var response = await EsHttp.GetAsync(new Uri($"/{index}/_doc/{id}", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? JsonNode.Parse(body)!["_source"]?["body"]?.GetValue<string>() : null;
    }
}
