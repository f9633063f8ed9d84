using System.Text.Json.Serialization;

namespace S3Connector.Functions.Events;

/// <summary>The SQS event Lambda delivers; the shape of Amazon.Lambda.SQSEvents.SQSEvent, trimmed to what is read.</summary>
public sealed class SqsEvent
{
    [JsonPropertyName("Records")] public List<SqsMessage> Records { get; set; } = [];
}

public sealed class SqsMessage
{
    [JsonPropertyName("messageId")] public string MessageId { get; set; } = "";
    [JsonPropertyName("receiptHandle")] public string? ReceiptHandle { get; set; }
    [JsonPropertyName("body")] public string Body { get; set; } = "";
    [JsonPropertyName("attributes")] public Dictionary<string, string> Attributes { get; set; } = [];
    [JsonPropertyName("eventSource")] public string? EventSource { get; set; }
    [JsonPropertyName("eventSourceARN")] public string? EventSourceArn { get; set; }
    [JsonPropertyName("awsRegion")] public string? AwsRegion { get; set; }

    /// <summary>How many times SQS has delivered this message, counting this delivery.</summary>
    [JsonIgnore]
    public int ReceiveCount =>
        Attributes.TryGetValue("ApproximateReceiveCount", out var value) && int.TryParse(value, out var count) ? count : 1;
}

/// <summary>Partial batch response (ReportBatchItemFailures): only the listed messages return to the queue.</summary>
public sealed class SqsBatchResponse
{
    [JsonPropertyName("batchItemFailures")] public List<BatchItemFailure> BatchItemFailures { get; set; } = [];
}

public sealed class BatchItemFailure
{
    [JsonPropertyName("itemIdentifier")] public string ItemIdentifier { get; set; } = "";
}

/// <summary>An EventBridge scheduled event; the scheduler reads nothing from it but its id, for the logs.</summary>
public sealed class ScheduledEvent
{
    [JsonPropertyName("id")] public string? Id { get; set; }
    [JsonPropertyName("source")] public string? Source { get; set; }
    [JsonPropertyName("detail-type")] public string? DetailType { get; set; }
    [JsonPropertyName("time")] public string? Time { get; set; }
}

public sealed class SchedulerResponse
{
    [JsonPropertyName("job_id")] public string JobId { get; set; } = "";
    [JsonPropertyName("ranges")] public int Ranges { get; set; }
    [JsonPropertyName("skipped_because_running")] public string? SkippedBecauseRunning { get; set; }
}
