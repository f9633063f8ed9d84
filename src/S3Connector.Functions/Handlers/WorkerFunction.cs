using Microsoft.Extensions.Logging;
using S3Connector.Core;
using S3Connector.Core.Queue;
using S3Connector.Core.Retries;
using S3Connector.Core.Sync;
using S3Connector.Functions.Events;
using S3Connector.Functions.Runtime;

namespace S3Connector.Functions.Handlers;

/// <summary>
/// SQS work queue → one listing page per message. Answers with a partial batch response: a message that can succeed
/// later is returned to the queue (and reaches the dead-letter queue after <c>work_max_receive_count</c> deliveries);
/// the others are acknowledged, whatever happened to their neighbours.
/// </summary>
public sealed partial class WorkerFunction(ConnectorServices services, ILogger<WorkerFunction> logger)
{
    /// <summary>Time kept back from the deadline to record outcomes and answer Lambda.</summary>
    private static readonly TimeSpan DeadlineMargin = TimeSpan.FromSeconds(10);
    private const int MaxParallelRecords = 4;

    public async Task<SqsBatchResponse> HandleAsync(SqsEvent input, ILambdaContext context)
    {
        using var deadline = LambdaContext.DeadlineSource(context, DeadlineMargin, services.Time);
        var response = new SqsBatchResponse();
        var results = new (SqsMessage Record, bool Ok)[input.Records.Count];
        // Not cancelled by the deadline itself: a record past it still runs, to record its outcome (ProcessRecordAsync
        // sees the deadline token).
        await Parallel.ForEachAsync(Enumerable.Range(0, input.Records.Count),
            new ParallelOptions { MaxDegreeOfParallelism = MaxParallelRecords },
            async (i, _) => results[i] = (input.Records[i], await ProcessRecordAsync(input.Records[i], deadline.Token)));
        foreach (var (record, ok) in results)
        {
            if (!ok)
            {
                response.BatchItemFailures.Add(new BatchItemFailure { ItemIdentifier = record.MessageId });
            }
        }

        return response;
    }

    /// <returns>True when the message may be deleted from the queue.</returns>
    private async Task<bool> ProcessRecordAsync(SqsMessage record, CancellationToken ct)
    {
        WorkMessage message;
        try
        {
            message = SqsWorkQueue.Parse(record.Body);
        }
        catch (System.Text.Json.JsonException e)
        {
            // Nothing can be recorded for a message we cannot read: let it reach the dead-letter queue.
            LogPoison(logger, record.MessageId, e.Message);
            return false;
        }

        var delivery = Deliveries.Of(record.ReceiveCount, services.Options.WorkMaxReceiveCount);
        if (ct.IsCancellationRequested)
        {
            LogNotStarted(logger, record.MessageId);
            if (delivery == Delivery.Last)
            {
                await RecordDeadLetterAsync(message, "its last delivery reached the function's deadline before it started");
            }

            return false;
        }

        try
        {
            var outcome = await services.Worker.ProcessAsync(message, delivery, ct);
            if (outcome.Kind == WorkOutcomeKind.Retry)
            {
                await RedeliverLaterAsync(record, ct);
                return false;
            }

            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            LogDeadline(logger, record.MessageId);
            if (delivery == Delivery.Last)
            {
                await RecordDeadLetterAsync(message, "its last delivery ran out of time (the function's deadline)");
            }

            return false;
        }
        catch (Exception e)
        {
            LogFailed(logger, record.MessageId, e.GetType().Name, e.Message);
            if (delivery == Delivery.Last)
            {
                await RecordDeadLetterAsync(message, e.Message);
            }
            else
            {
                await RedeliverLaterAsync(record, ct);
            }

            return false;
        }
    }

    /// <summary>The retry comes after a backoff, not after the queue's 90-minute visibility timeout; best effort.</summary>
    private async Task RedeliverLaterAsync(SqsMessage record, CancellationToken ct)
    {
        if (record.ReceiptHandle is not { Length: > 0 } handle || ct.IsCancellationRequested)
        {
            return;
        }

        try
        {
            await services.Queue.RedeliverLaterAsync(handle, RetryPolicy.RedeliveryDelay(record.ReceiveCount), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, record.MessageId, e.GetType().Name, "could not shorten the wait before its retry: " + e.Message);
        }
    }

    /// <summary>
    /// The message is about to go to the dead-letter queue: its job can no longer complete, so fail it now, inside the
    /// margin kept back from the deadline (if this does not get through, the dead-letter handler fails the job).
    /// </summary>
    private async Task RecordDeadLetterAsync(WorkMessage message, string reason)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await services.DeadLetters.RecordAsync(message, reason, timeout.Token);
        }
        catch (Exception e)
        {
            LogFailed(logger, message.UnitId, e.GetType().Name, "could not record the dead-lettered message: " + e.Message);
        }
    }

    [LoggerMessage(101, LogLevel.Error, "Message {MessageId} is not a work message and goes to the dead-letter queue: {Reason}")]
    private static partial void LogPoison(ILogger logger, string messageId, string reason);

    [LoggerMessage(102, LogLevel.Warning, "Message {MessageId} stopped at the deadline; it returns to the queue")]
    private static partial void LogDeadline(ILogger logger, string messageId);

    [LoggerMessage(103, LogLevel.Warning, "Message {MessageId} not started before the deadline; it returns to the queue")]
    private static partial void LogNotStarted(ILogger logger, string messageId);

    [LoggerMessage(104, LogLevel.Error, "Message {MessageId} failed ({ErrorType}): {Reason}")]
    private static partial void LogFailed(ILogger logger, string messageId, string errorType, string reason);
}
