using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Logging;
using S3Connector.Core.Retries;
using S3Connector.Functions.Events;

namespace S3Connector.Cli.Queue;

/// <summary>
/// For <c>sync --queue-url</c>: polls a real SQS queue and feeds the worker handler as Lambda's trigger would. A poller
/// survives any failure of SQS or of the handler, as Lambda's pollers do: it backs off and polls again, and the
/// messages of a batch that failed come back after their visibility timeout.
/// </summary>
public sealed partial class SqsConsumer(IAmazonSQS sqs, string queueUrl, RetryPolicy retry, ILogger<SqsConsumer> logger)
{
    public Task RunAsync(int consumers, Func<SqsEvent, Task<SqsBatchResponse>> handler, CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, consumers).Select(_ => PollAsync(handler, ct)));

    private async Task PollAsync(Func<SqsEvent, Task<SqsBatchResponse>> handler, CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await PollOnceAsync(handler, ct);
                failures = 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failures++;
                PollFailed(logger, failures, e.GetType().Name, e.Message);
                try
                {
                    await retry.DelayAsync(Math.Min(failures, RetryPolicy.MaxAttempts), ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    private async Task PollOnceAsync(Func<SqsEvent, Task<SqsBatchResponse>> handler, CancellationToken ct)
    {
        var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = queueUrl,
            MaxNumberOfMessages = 10,
            WaitTimeSeconds = 1,
            MessageSystemAttributeNames = ["ApproximateReceiveCount"],
        }, ct);
        if (received.Messages is not { Count: > 0 } messages)
        {
            return;
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

    [LoggerMessage(1, LogLevel.Warning, "Polling the work queue failed ({Failures} in a row, {Type}): {Reason}; polling again after a backoff")]
    private static partial void PollFailed(ILogger logger, int failures, string type, string reason);
}
