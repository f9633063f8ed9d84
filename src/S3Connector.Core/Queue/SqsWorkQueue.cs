using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using S3Connector.Core.Json;
using S3Connector.Core.Retries;
using S3Connector.Core.Sync;

namespace S3Connector.Core.Queue;

public sealed class SqsWorkQueue(IAmazonSQS sqs, string queueUrl, RetryPolicy retry) : IWorkQueue
{
    private const int MaxBatch = 10;

    /// <summary>SQS's limit on one message and on a whole SendMessageBatch (the queue's default maximum size).</summary>
    public const int MaxBatchBytes = 256 * 1024;

    public async Task SendAsync(IReadOnlyList<WorkMessage> messages, CancellationToken ct)
    {
        foreach (var batch in Batches(messages))
        {
            var entries = batch.Select((body, i) => new SendMessageBatchRequestEntry
            {
                Id = i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                MessageBody = body,
            }).ToList();
            for (var attempt = 1; entries.Count > 0; attempt++)
            {
                var response = await sqs.SendMessageBatchAsync(new SendMessageBatchRequest { QueueUrl = queueUrl, Entries = entries }, ct);
                var failed = response.Failed ?? [];
                if (failed.Count == 0)
                {
                    break;
                }

                if (attempt >= RetryPolicy.MaxAttempts || failed.Any(f => f.SenderFault == true))
                {
                    var first = failed[0];
                    throw new InvalidOperationException(
                        $"SQS refused {failed.Count} work messages for queue {queueUrl}: {first.Code} {first.Message}");
                }

                var failedIds = failed.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
                entries = entries.Where(e => failedIds.Contains(e.Id)).ToList();
                await retry.DelayAsync(attempt, ct);
            }
        }
    }

    public async Task RedeliverLaterAsync(string receiptHandle, TimeSpan delay, CancellationToken ct) =>
        await sqs.ChangeMessageVisibilityAsync(new ChangeMessageVisibilityRequest
        {
            QueueUrl = queueUrl,
            ReceiptHandle = receiptHandle,
            VisibilityTimeout = (int)Math.Clamp(delay.TotalSeconds, 0, 43_200),
        }, ct);

    /// <summary>Message bodies in batches of at most <see cref="MaxBatch"/> entries and <see cref="MaxBatchBytes"/> bytes.</summary>
    public static IEnumerable<List<string>> Batches(IReadOnlyList<WorkMessage> messages)
    {
        var batch = new List<string>(MaxBatch);
        var bytes = 0;
        foreach (var message in messages)
        {
            var body = JsonSerializer.Serialize(message, ConnectorJson.Default.WorkMessage);
            var size = System.Text.Encoding.UTF8.GetByteCount(body);
            if (batch.Count == MaxBatch || batch.Count > 0 && bytes + size > MaxBatchBytes)
            {
                yield return batch;
                batch = new List<string>(MaxBatch);
                bytes = 0;
            }

            batch.Add(body);
            bytes += size;
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    public static WorkMessage Parse(string body) =>
        JsonSerializer.Deserialize(body, ConnectorJson.Default.WorkMessage)
        ?? throw new JsonException("the work message is null");
}
