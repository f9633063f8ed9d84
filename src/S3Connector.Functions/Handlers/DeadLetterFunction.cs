using Microsoft.Extensions.Logging;
using S3Connector.Core;
using S3Connector.Core.Queue;
using S3Connector.Core.Sync;
using S3Connector.Functions.Events;
using S3Connector.Functions.Runtime;

namespace S3Connector.Functions.Handlers;

/// <summary>
/// The work dead-letter queue → the job of each dead-lettered range fails within minutes (a worker killed by a timeout
/// or out of memory on its last delivery could not record that itself). A message is consumed once recorded, or when
/// it is not a work message at all (logged whole: work messages hold bucket names and keys, never secrets); one whose
/// job could not be reached stays for another try.
/// </summary>
public sealed partial class DeadLetterFunction(ConnectorServices services, ILogger<DeadLetterFunction> logger)
{
    private static readonly TimeSpan DeadlineMargin = TimeSpan.FromSeconds(5);

    public async Task<SqsBatchResponse> HandleAsync(SqsEvent input, ILambdaContext context)
    {
        using var deadline = LambdaContext.DeadlineSource(context, DeadlineMargin, services.Time);
        var response = new SqsBatchResponse();
        foreach (var record in input.Records)
        {
            if (!await RecordAsync(record, deadline.Token))
            {
                response.BatchItemFailures.Add(new BatchItemFailure { ItemIdentifier = record.MessageId });
            }
        }

        return response;
    }

    /// <returns>True when the message may be deleted from the dead-letter queue.</returns>
    private async Task<bool> RecordAsync(SqsMessage record, CancellationToken ct)
    {
        WorkMessage message;
        try
        {
            message = SqsWorkQueue.Parse(record.Body);
        }
        catch (System.Text.Json.JsonException e)
        {
            LogNotWork(logger, record.MessageId, e.Message, record.Body.Length > 2000 ? record.Body[..2000] : record.Body);
            return true;
        }

        try
        {
            if (await services.DeadLetters.RecordAsync(message, $"every delivery failed or ran out of time (worker log: message {record.MessageId})", ct))
            {
                LogRecorded(logger, record.MessageId, message.JobId, message.Bucket, message.Range.ToString());
            }

            return true;
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            LogNotRecorded(logger, record.MessageId, e.GetType().Name, e.Message);
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(411, LogLevel.Error, "Dead letter {MessageId}: sync job {JobId} failed, its range s3://{Bucket}/{Range} was never worked")]
    private static partial void LogRecorded(ILogger logger, string messageId, string jobId, string bucket, string range);

    [LoggerMessage(412, LogLevel.Error, "Dead letter {MessageId} is not a work message ({Reason}); dropped: {Body}")]
    private static partial void LogNotWork(ILogger logger, string messageId, string reason, string body);

    [LoggerMessage(413, LogLevel.Warning, "Dead letter {MessageId} could not be recorded ({ErrorType}): {Reason}; it will be tried again")]
    private static partial void LogNotRecorded(ILogger logger, string messageId, string errorType, string reason);
}
