using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using Amazon.SQS.Model;
using Elastic.Clients.Elasticsearch;
using Elastic.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using S3Connector.Core;
using S3Connector.Core.Configuration;
using S3Connector.Core.Documents;
using S3Connector.Core.Queue;
using S3Connector.EsTestServer;
using S3Connector.Functions.Events;
using S3Connector.Functions.Handlers;
using S3Connector.Testing;

namespace S3Connector.Bench;

/// <summary>
/// Events through the events handler on the local stack: throughput (events/s) and the delay from a PUT to the
/// document being searchable, with S3 → SQS notifications delivered by the local stack's bridge.
/// </summary>
public static class EventsBench
{
    private const string Bucket = "bench-events";
    private const string Queue = "bench-events-queue";

    public static async Task<int> RunAsync(int events, int delaySamples)
    {
        var stackOptions = new LocalStackOptions { S3Notifications = $"{Bucket}:{Queue}" };
        await using var aws = await LocalStack.StartAsync(stackOptions);
        await using var esServer = await EsTestServerHost.StartAsync();
        using var s3 = aws.CreateS3Client();
        using var sqs = aws.CreateSqsClient();
        await s3.PutBucketAsync(Bucket);
        var queueUrl = (await sqs.CreateQueueAsync(Queue)).QueueUrl;

        var options = ConnectorConfiguration.Load(null, new Dictionary<string, string?>
        {
            ["S3C_BUCKETS"] = Bucket,
            ["S3C_INDEX_NAME"] = "bench-events",
            ["S3C_ENDPOINT_URL"] = aws.Endpoint.ToString().TrimEnd('/'),
            ["S3C_AWS_ACCESS_KEY_ID"] = "test",
            ["S3C_AWS_SECRET_ACCESS_KEY"] = "test",
            ["S3C_ELASTICSEARCH__HOST"] = esServer.Url.ToString(),
        });
        using var services = new ConnectorServices(options, new NullWorkQueue(), NullLoggerFactory.Instance);
        var function = new EventsFunction(services, NullLogger<EventsFunction>.Instance);
        var context = new Cli.Commands.CliContext("EventsFunction");

        // Throughput: the notifications the bridge queued for the seeding PUTs, applied in SQS batches of 10, 8 at a time.
        var keys = Enumerable.Range(0, events).Select(i => $"in/doc {i}.txt").ToList();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (key, ct) =>
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, ContentBody = string.Concat(Enumerable.Repeat($"Text of {key}. ", 60)) }, ct));
        var bodies = new List<string>();
        while (bodies.Count < events)
        {
            var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 });
            foreach (var message in received.Messages ?? [])
            {
                bodies.Add(message.Body);
                await sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle);
            }
        }

        esServer.ClearRequests();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(bodies.Chunk(10), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (chunk, _) =>
        {
            var response = await function.HandleAsync(Batch(chunk), context);
            if (response.BatchItemFailures is { Count: > 0 })
            {
                throw new InvalidOperationException("events failed");
            }
        });
        var seconds = clock.Elapsed.TotalSeconds;
        var bulkRequests = esServer.Requests.Count(r => r.Path.EndsWith("/_bulk", StringComparison.Ordinal));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"throughput: {events} events (HEAD + GET + index each) in {seconds:F2} s = {events / seconds:F0} events/s, {bulkRequests} bulk requests"));

        // Delay: PUT → bridge → SQS → handler (long-polling consumer) → searchable after Elasticsearch's refresh.
        using var stop = new CancellationTokenSource();
        var consumer = new Cli.Queue.SqsConsumer(sqs, queueUrl, S3Connector.Core.Retries.RetryPolicy.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<Cli.Queue.SqsConsumer>.Instance).RunAsync(2, async e =>
        {
            var response = await function.HandleAsync(JsonSerializer.SerializeToElement(e, FunctionJson.Default.SqsEvent), context);
            return new SqsBatchResponse { BatchItemFailures = response.BatchItemFailures ?? [] };
        }, stop.Token);
        var es = new ElasticsearchClient(esServer.Url);
        var delays = new List<double>();
        for (var i = 0; i < delaySamples; i++)
        {
            var key = $"delay/sample {i}.txt";
            var id = ObjectKeys.DocumentId(Bucket, key);
            var put = Stopwatch.StartNew();
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, ContentBody = "delay sample" });
            while (!await SearchableAsync(es, id))
            {
                await Task.Delay(5);
            }

            delays.Add(put.Elapsed.TotalMilliseconds);
        }

        await stop.CancelAsync();
        await consumer;
        delays.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"put → searchable over {delaySamples} objects: median {delays[delays.Count / 2]:F0} ms, p95 {delays[(int)(delays.Count * 0.95)]:F0} ms, max {delays[^1]:F0} ms (index refresh interval 1 s)"));
        return 0;
    }

    private static JsonElement Batch(IEnumerable<string> bodies) => JsonSerializer.SerializeToElement(new SqsEvent
    {
        Records = bodies.Select((b, i) => new SqsMessage { MessageId = "m" + i.ToString(CultureInfo.InvariantCulture), Body = b, EventSource = "aws:sqs" }).ToList(),
    }, FunctionJson.Default.SqsEvent);

    private static async Task<bool> SearchableAsync(ElasticsearchClient es, string id)
    {
        var body = new JsonObject { ["query"] = new JsonObject { ["ids"] = new JsonObject { ["values"] = new JsonArray(id) } } };
        var response = await es.Transport.RequestAsync<StringResponse>(Elastic.Transport.HttpMethod.POST, "/bench-events/_count", PostData.String(body.ToJsonString()));
        return response.ApiCallDetails.HasSuccessfulStatusCode && JsonNode.Parse(response.Body)!["count"]!.GetValue<long>() > 0;
    }
}
