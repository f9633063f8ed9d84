using System.Text.Json;
using Microsoft.Extensions.Logging;
using S3Connector.Core;
using S3Connector.Core.Events;
using S3Connector.Functions.Events;
using S3Connector.Functions.Runtime;

namespace S3Connector.Functions.Handlers;

/// <summary>What one events invocation did, for the direct-invocation response and the CLI.</summary>
public sealed class EventsResponse
{
    [System.Text.Json.Serialization.JsonPropertyName("indexed")] public int Indexed { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("deleted")] public int Deleted { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("ignored")] public int Ignored { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("failed")] public int Failed { get; set; }

    /// <summary>Envelopes that are not S3 events at all; they can never succeed.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("invalid")] public int Invalid { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("batchItemFailures")]
    public List<BatchItemFailure>? BatchItemFailures { get; set; }

    public void Add(EventOutcome outcome)
    {
        switch (outcome.Fate)
        {
            case EventFate.Indexed: Indexed++; break;
            case EventFate.Deleted: Deleted++; break;
            case EventFate.Ignored: Ignored++; break;
            default: Failed++; break;
        }
    }
}

public sealed class EventsInvocationException(string message) : Exception(message);

/// <summary>
/// S3 event notifications, in any envelope: an SQS batch (answered with a partial batch response, so one bad record
/// never fails the others, and an unreadable one reaches the dead-letter queue), or S3, SNS or EventBridge invoking
/// the function directly (a failure is thrown, so Lambda's own retries and on-failure destination apply).
/// </summary>
public sealed partial class EventsFunction(ConnectorServices services, ILogger<EventsFunction> logger)
{
    private static readonly TimeSpan DeadlineMargin = TimeSpan.FromSeconds(5);
    private const int MaxParallelEvents = 8;

    public async Task<EventsResponse> HandleAsync(JsonElement input, ILambdaContext context)
    {
        using var deadline = LambdaContext.DeadlineSource(context, DeadlineMargin);
        if (IsSqsBatch(input))
        {
            var batch = input.Deserialize(FunctionJson.Default.SqsEvent) ?? new SqsEvent();
            return await HandleBatchAsync(batch, deadline.Token);
        }

        var response = new EventsResponse();
        var parsed = S3EventParser.Parse(input);
        if (parsed.Error is not null)
        {
            LogInvalid(logger, context.AwsRequestId, parsed.Error);
            throw new EventsInvocationException($"The event is not an S3 event: {parsed.Error}");
        }

        await ApplyAllAsync(parsed.Records, response, deadline.Token);
        if (response.Failed > 0)
        {
            throw new EventsInvocationException($"{response.Failed} of {parsed.Records.Count} S3 events could not be applied yet; retry the invocation.");
        }

        return response;
    }

    private async Task<EventsResponse> HandleBatchAsync(SqsEvent batch, CancellationToken ct)
    {
        var response = new EventsResponse { BatchItemFailures = [] };
        foreach (var message in batch.Records)
        {
            var parsed = S3EventParser.Parse(message.Body);
            if (parsed.Error is not null)
            {
                // Retrying cannot help; failing it sends it to the dead-letter queue, where the log line explains it.
                LogInvalid(logger, message.MessageId, parsed.Error);
                response.Invalid++;
                response.BatchItemFailures.Add(new BatchItemFailure { ItemIdentifier = message.MessageId });
                continue;
            }

            var before = response.Failed;
            if (ct.IsCancellationRequested)
            {
                response.BatchItemFailures.Add(new BatchItemFailure { ItemIdentifier = message.MessageId });
                continue;
            }

            await ApplyAllAsync(parsed.Records, response, ct);
            if (response.Failed > before)
            {
                response.BatchItemFailures.Add(new BatchItemFailure { ItemIdentifier = message.MessageId });
            }
        }

        return response;
    }

    private async Task ApplyAllAsync(IReadOnlyList<S3EventRecord> records, EventsResponse response, CancellationToken ct)
    {
        using var throttle = new SemaphoreSlim(MaxParallelEvents);
        var outcomes = await Task.WhenAll(records.Select(async record =>
        {
            await throttle.WaitAsync(CancellationToken.None);
            try
            {
                return await services.Events.ApplyAsync(record, ct);
            }
            catch (Exception e)
            {
                LogFailed(logger, record.Bucket, record.Key, e.GetType().Name, e.Message);
                return new EventOutcome(EventFate.Retry, e.Message);
            }
            finally
            {
                throttle.Release();
            }
        }));
        foreach (var outcome in outcomes)
        {
            response.Add(outcome);
        }
    }

    /// <summary>An SQS event (as opposed to an S3, SNS or EventBridge event invoking the function directly).</summary>
    public static bool IsSqsBatch(JsonElement input) =>
        input.ValueKind == JsonValueKind.Object
        && input.TryGetProperty("Records", out var records) && records.ValueKind == JsonValueKind.Array
        && records.GetArrayLength() > 0
        && records[0].TryGetProperty("eventSource", out var source) && source.ValueKind == JsonValueKind.String
        && source.GetString() == "aws:sqs";

    [LoggerMessage(401, LogLevel.Error, "Message {MessageId} is not an S3 event and goes to the dead-letter queue: {Reason}")]
    private static partial void LogInvalid(ILogger logger, string messageId, string reason);

    [LoggerMessage(402, LogLevel.Error, "Event for s3://{Bucket}/{Key} failed ({ErrorType}): {Reason}")]
    private static partial void LogFailed(ILogger logger, string bucket, string key, string errorType, string reason);
}
