using Amazon.SQS;
using Amazon.SQS.Model;
using S3Connector.Functions.Events;

namespace S3Connector.Cli.Queue;

/// <summary>For <c>sync --queue-url</c>: polls a real SQS queue and feeds the worker handler as Lambda's trigger would.</summary>
public sealed class SqsConsumer(IAmazonSQS sqs, string queueUrl)
{
    public Task RunAsync(int consumers, Func<SqsEvent, Task<SqsBatchResponse>> handler, CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, consumers).Select(_ => PollAsync(handler, ct)));

    private async Task PollAsync(Func<SqsEvent, Task<SqsBatchResponse>> handler, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            ReceiveMessageResponse received;
            try
            {
                received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
                {
                    QueueUrl = queueUrl,
                    MaxNumberOfMessages = 10,
                    WaitTimeSeconds = 1,
                    MessageSystemAttributeNames = ["ApproximateReceiveCount"],
                }, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }

            if (received.Messages is not { Count: > 0 } messages)
            {
                continue;
            }

            var input = new SqsEvent
            {
                Records = messages.Select(m => new SqsMessage
                {
                    MessageId = m.MessageId,
                    ReceiptHandle = m.ReceiptHandle,
                    Body = m.Body,
                    EventSource = "aws:sqs",
                    Attributes = (m.Attributes ?? []).ToDictionary(a => a.Key, a => a.Value),
                }).ToList(),
            };
            var response = await handler(input);
            var failed = response.BatchItemFailures.Select(f => f.ItemIdentifier).ToHashSet(StringComparer.Ordinal);
            var done = messages.Where(m => !failed.Contains(m.MessageId)).ToList();
            if (done.Count > 0)
            {
                await sqs.DeleteMessageBatchAsync(new DeleteMessageBatchRequest
                {
                    QueueUrl = queueUrl,
                    Entries = done.Select((m, i) => new DeleteMessageBatchRequestEntry { Id = i.ToString(System.Globalization.CultureInfo.InvariantCulture), ReceiptHandle = m.ReceiptHandle }).ToList(),
                }, CancellationToken.None);
            }
        }
    }
}
