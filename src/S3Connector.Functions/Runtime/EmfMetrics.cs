using System.Text.Json;
using S3Connector.Core.Diagnostics;

namespace S3Connector.Functions.Runtime;

/// <summary>
/// Publishes metrics in CloudWatch's embedded metric format: one JSON object per line on stdout, from which CloudWatch
/// Logs extracts the values into metrics. No SDK and no PutMetricData call, so reporting costs the invocation no
/// request and cannot fail it. Lines go through the log provider's lock, so a metric line never interleaves with a
/// log line, and are written synchronously for the same reason the logs are (Lambda freezes the sandbox once the
/// response is posted). Specification:
/// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
/// </summary>
public sealed class EmfMetrics(LambdaJsonLoggerProvider output, TimeProvider time) : IConnectorMetrics
{
    /// <summary>The CloudWatch namespace of every metric; the template's alarms name it too (checked by a template test).</summary>
    public const string Namespace = "S3LambdaConnector";

    /// <summary>The one dimension: the index, a handful of values per account, so each metric stays one metric per
    /// deployment. Buckets and keys are never dimensions (keys are user data, and would be a metric each).</summary>
    public const string IndexDimension = "IndexName";

    /// <summary>The specification's limit of metric definitions in one directive; a longer report is split into lines.</summary>
    public const int MaxMetricsPerDocument = 100;

    public void Publish(string indexName, IReadOnlyList<MetricValue> values)
    {
        // JSON has no NaN or infinity, and a metric target must be a number.
        var finite = values.Where(v => double.IsFinite(v.Value)).ToList();
        for (var start = 0; start < finite.Count; start += MaxMetricsPerDocument)
        {
            var part = finite.GetRange(start, Math.Min(MaxMetricsPerDocument, finite.Count - start));
            output.Write(Document(indexName, part, time.GetUtcNow()));
        }
    }

    private static byte[] Document(string indexName, IReadOnlyList<MetricValue> values, DateTimeOffset now)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("_aws");
            json.WriteNumber("Timestamp", now.ToUnixTimeMilliseconds());
            json.WriteStartArray("CloudWatchMetrics");
            json.WriteStartObject();
            json.WriteString("Namespace", Namespace);
            json.WriteStartArray("Dimensions");
            json.WriteStartArray();
            json.WriteStringValue(IndexDimension);
            json.WriteEndArray();
            json.WriteEndArray();
            json.WriteStartArray("Metrics");
            foreach (var value in values)
            {
                json.WriteStartObject();
                json.WriteString("Name", value.Name);
                json.WriteString("Unit", Unit(value.Unit));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();

            json.WriteString(IndexDimension, indexName);
            foreach (var value in values)
            {
                json.WriteNumber(value.Name, value.Value);
            }

            // Not a dimension (one metric per invocation would be the cost): only for finding the invocation's log lines.
            if (LambdaJsonLogger.RequestId is { } requestId)
            {
                json.WriteString("requestId", requestId);
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static string Unit(MetricUnit unit) => unit switch
    {
        MetricUnit.Count => "Count",
        MetricUnit.Seconds => "Seconds",
        MetricUnit.Bytes => "Bytes",
        _ => throw new ArgumentOutOfRangeException(nameof(unit)),
    };
}
