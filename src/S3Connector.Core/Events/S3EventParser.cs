using System.Text.Json;

namespace S3Connector.Core.Events;

/// <summary>
/// Reads every shape an S3 event reaches us in: S3 notification JSON (<c>Records</c>), SNS envelopes (raw or not, in
/// SQS or invoking Lambda directly), and EventBridge <c>aws.s3</c> events. Never throws for bad input: an envelope it
/// cannot read comes back with the reason.
/// </summary>
public static class S3EventParser
{
    private const int MaxDepth = 4;

    public static ParsedEnvelope Parse(string json) => Parse(json, 0);

    private static ParsedEnvelope Parse(string json, int depth)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return Parse(document.RootElement, depth);
        }
        catch (JsonException e)
        {
            return ParsedEnvelope.Invalid($"not JSON: {e.Message}");
        }
    }

    public static ParsedEnvelope Parse(JsonElement root, int depth = 0)
    {
        if (depth > MaxDepth)
        {
            return ParsedEnvelope.Invalid("envelopes nested too deep");
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return ParsedEnvelope.Invalid($"expected a JSON object, got {root.ValueKind}");
        }

        if (String(root, "Event") == "s3:TestEvent")
        {
            return ParsedEnvelope.Test;
        }

        // SNS to SQS without raw delivery: the S3 notification is a string inside the SNS envelope.
        if (String(root, "Type") == "Notification" && String(root, "Message") is { } snsMessage)
        {
            return Parse(snsMessage, depth + 1);
        }

        if (String(root, "source") == "aws.s3" && root.TryGetProperty("detail", out var detail))
        {
            return FromEventBridge(root, detail);
        }

        if (root.TryGetProperty("Records", out var records) && records.ValueKind == JsonValueKind.Array)
        {
            return FromRecords(records, depth);
        }

        return ParsedEnvelope.Invalid("not an S3 notification, SNS envelope or EventBridge aws.s3 event");
    }

    private static ParsedEnvelope FromRecords(JsonElement records, int depth)
    {
        var result = new List<S3EventRecord>();
        var test = false;
        foreach (var record in records.EnumerateArray())
        {
            var source = String(record, "eventSource") ?? String(record, "EventSource");
            ParsedEnvelope inner;
            if (source == "aws:s3")
            {
                inner = FromS3Record(record);
            }
            else if (source == "aws:sns" && record.TryGetProperty("Sns", out var sns) && String(sns, "Message") is { } message)
            {
                inner = Parse(message, depth + 1);
            }
            else
            {
                return ParsedEnvelope.Invalid($"a record has event source '{source ?? "(none)"}', not aws:s3 or aws:sns");
            }

            if (inner.Error is not null)
            {
                return inner;
            }

            test |= inner.IsTestEvent;
            result.AddRange(inner.Records);
        }

        return new ParsedEnvelope(result, test && result.Count == 0, null);
    }

    private static ParsedEnvelope FromS3Record(JsonElement record)
    {
        if (!record.TryGetProperty("s3", out var s3)
            || !s3.TryGetProperty("bucket", out var bucket) || String(bucket, "name") is not { Length: > 0 } bucketName
            || !s3.TryGetProperty("object", out var obj) || String(obj, "key") is not { } encodedKey)
        {
            return ParsedEnvelope.Invalid("an S3 record lacks s3.bucket.name or s3.object.key");
        }

        var eventName = String(record, "eventName") ?? "";
        return new ParsedEnvelope(
            [new S3EventRecord(bucketName, S3.S3Gateway.DecodeKey(encodedKey), eventName, String(record, "awsRegion"), String(obj, "sequencer"))],
            false, null);
    }

    private static ParsedEnvelope FromEventBridge(JsonElement root, JsonElement detail)
    {
        if (!detail.TryGetProperty("bucket", out var bucket) || String(bucket, "name") is not { Length: > 0 } bucketName
            || !detail.TryGetProperty("object", out var obj) || String(obj, "key") is not { } key)
        {
            return ParsedEnvelope.Invalid("an EventBridge aws.s3 event lacks detail.bucket.name or detail.object.key");
        }

        // EventBridge carries the key as it is, unlike S3 notifications.
        var eventName = String(root, "detail-type") ?? "";
        return new ParsedEnvelope([new S3EventRecord(bucketName, key, eventName, String(root, "region"), String(obj, "sequencer"))], false, null);
    }

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
