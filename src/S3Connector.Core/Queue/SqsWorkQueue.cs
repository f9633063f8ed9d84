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

    public async Task SendAsync(IReadOnlyList<WorkMessage> messages, CancellationToken ct)
    {
        foreach (var batch in messages.Chunk(MaxBatch))
        {
            var entries = batch.Select((m, i) => new SendMessageBatchRequestEntry
            {
                Id = i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                MessageBody = JsonSerializer.Serialize(m, ConnectorJson.Default.WorkMessage),
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

    public static WorkMessage Parse(string body) =>
        JsonSerializer.Deserialize(body, ConnectorJson.Default.WorkMessage)
        ?? throw new JsonException("the work message is null");
}
