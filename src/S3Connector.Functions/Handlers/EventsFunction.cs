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

    public async Task<EventsResponse> HandleAsync(JsonElement input, ILambdaContext context)
    {
        using var deadline = LambdaContext.DeadlineSource(context, DeadlineMargin, services.Time);
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

    /// <summary>
    /// The records of every readable message are applied together, so the batch's writes share bulk requests; a
    /// message is then reported failed when any of its records must be retried.
    /// </summary>
    private async Task<EventsResponse> HandleBatchAsync(SqsEvent batch, CancellationToken ct)
    {
        var response = new EventsResponse { BatchItemFailures = [] };
        var failed = new bool[batch.Records.Count];
        var records = new List<S3EventRecord>();
        var messageOf = new List<int>();
        for (var m = 0; m < batch.Records.Count; m++)
        {
            var message = batch.Records[m];
            var parsed = S3EventParser.Parse(message.Body);
            if (parsed.Error is not null)
            {
                // Retrying cannot help; failing it sends it to the dead-letter queue, where the log line explains it.
                LogInvalid(logger, message.MessageId, parsed.Error);
                response.Invalid++;
                failed[m] = true;
                continue;
            }

            records.AddRange(parsed.Records);
            messageOf.AddRange(Enumerable.Repeat(m, parsed.Records.Count));
        }

        var outcomes = await ApplyAllAsync(records, response, ct);
        for (var r = 0; r < outcomes.Count; r++)
        {
            failed[messageOf[r]] |= outcomes[r].Fate == EventFate.Retry;
        }

        for (var m = 0; m < failed.Length; m++)
        {
            if (failed[m])
            {
                response.BatchItemFailures.Add(new BatchItemFailure { ItemIdentifier = batch.Records[m].MessageId });
            }
        }

        return response;
    }

    private async Task<IReadOnlyList<EventOutcome>> ApplyAllAsync(IReadOnlyList<S3EventRecord> records, EventsResponse response, CancellationToken ct)
    {
        var outcomes = await services.Events.ApplyAsync(records, ct);
        foreach (var outcome in outcomes)
        {
            response.Add(outcome);
        }

        return outcomes;
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
}
