using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using S3Connector.Core.Diagnostics;
using S3Connector.Core.Events;
using S3Connector.Core.Jobs;
using S3Connector.Core.Sync;
using S3Connector.Functions.Runtime;

namespace S3Connector.Tests;

/// <summary>
/// The embedded metric format lines against the specification
/// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
/// one JSON object per line, <c>_aws</c> with an integer <c>Timestamp</c> in ms and <c>CloudWatchMetrics</c> directives of
/// exactly <c>Namespace</c>, <c>Dimensions</c> (sets of at most 30 keys, each a string member of the root) and
/// <c>Metrics</c> (at most 100 definitions of exactly <c>Name</c> and a CloudWatch <c>Unit</c>, each a number member of
/// the root).
/// </summary>
public sealed class EmfMetricsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 10, 30, 0, 123, TimeSpan.Zero);

    private static readonly HashSet<string> CloudWatchUnits =
    [
        "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes", "Bits",
        "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second",
        "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
        "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
    ];

    private sealed class FixedTime : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static (EmfMetrics Metrics, LambdaJsonLoggerProvider Provider, MemoryStream Output) NewWriter()
    {
        var output = new MemoryStream();
        var provider = new LambdaJsonLoggerProvider(output, LogLevel.Information);
        return (new EmfMetrics(provider, new FixedTime()), provider, output);
    }

    private static string[] Lines(MemoryStream output) =>
        Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Checks one line against the specification and returns its metrics by name.</summary>
    private static Dictionary<string, (string Unit, double Value)> AssertDocument(string line, string index)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        var aws = root.GetProperty("_aws");
        Assert.Equal(["Timestamp", "CloudWatchMetrics"], aws.EnumerateObject().Select(p => p.Name));
        Assert.Equal(Now.ToUnixTimeMilliseconds(), aws.GetProperty("Timestamp").GetInt64());

        var directive = Assert.Single(aws.GetProperty("CloudWatchMetrics").EnumerateArray());
        Assert.Equal(["Namespace", "Dimensions", "Metrics"], directive.EnumerateObject().Select(p => p.Name));
        Assert.Equal(EmfMetrics.Namespace, directive.GetProperty("Namespace").GetString());
        Assert.InRange(EmfMetrics.Namespace.Length, 1, 255);

        var sets = directive.GetProperty("Dimensions").EnumerateArray().ToList();
        Assert.NotEmpty(sets);
        foreach (var set in sets)
        {
            Assert.InRange(set.GetArrayLength(), 0, 30);
            foreach (var key in set.EnumerateArray())
            {
                Assert.Equal(JsonValueKind.String, root.GetProperty(key.GetString()!).ValueKind);
            }
        }

        Assert.Equal([[EmfMetrics.IndexDimension]], sets.Select(s => s.EnumerateArray().Select(k => k.GetString()).ToList()));
        Assert.Equal(index, root.GetProperty(EmfMetrics.IndexDimension).GetString());

        var definitions = directive.GetProperty("Metrics").EnumerateArray().ToList();
        Assert.InRange(definitions.Count, 1, 100);
        var metrics = new Dictionary<string, (string, double)>(StringComparer.Ordinal);
        foreach (var definition in definitions)
        {
            Assert.Equal(["Name", "Unit"], definition.EnumerateObject().Select(p => p.Name));
            var name = definition.GetProperty("Name").GetString()!;
            var unit = definition.GetProperty("Unit").GetString()!;
            Assert.InRange(name.Length, 1, 255);
            Assert.Contains(unit, CloudWatchUnits);
            var target = root.GetProperty(name);
            Assert.Equal(JsonValueKind.Number, target.ValueKind);
            Assert.True(metrics.TryAdd(name, (unit, target.GetDouble())), $"{name} defined twice");
        }

        return metrics;
    }

    private static SyncSummary Summary(JobStatus status, string? error = null) => new()
    {
        JobId = "20261202T100000Z-0a1b2c3d",
        Status = status,
        Error = error,
        Counters = new JobCounters { Listed = 10 },
        DurationSeconds = 42.5,
    };

    [Fact]
    public void A_sync_end_is_one_line_in_the_embedded_metric_format()
    {
        var (metrics, _, output) = NewWriter();

        metrics.Publish("s3-documents", ConnectorMetrics.SyncEnded(Summary(JobStatus.Completed)));

        var line = Assert.Single(Lines(output));
        var values = AssertDocument(line, "s3-documents");
        Assert.Equal(("Count", 1.0), values[ConnectorMetrics.SyncCompleted]);
        Assert.Equal(("Count", 0.0), values[ConnectorMetrics.SyncFailed]);
        Assert.Equal(("Seconds", 42.5), values[ConnectorMetrics.SyncDuration]);
    }

    [Fact]
    public void A_failed_sync_counts_as_failed_and_its_error_stays_out_of_the_line()
    {
        var (metrics, _, output) = NewWriter();
        // What an error can hold: a bucket, an object key, and (were it ever leaked into one) a credential.
        const string Secret = "c2VjcmV0LWFwaS1rZXk=";
        var error = $"1 objects of s3://private-bucket/hr/salaries 2026.xlsx failed, first: 401 ApiKey {Secret}";

        metrics.Publish("s3-documents", ConnectorMetrics.SyncEnded(Summary(JobStatus.Failed, error)));

        var line = Assert.Single(Lines(output));
        Assert.Equal(1.0, AssertDocument(line, "s3-documents")[ConnectorMetrics.SyncFailed].Value);
        Assert.DoesNotContain("private-bucket", line, StringComparison.Ordinal);
        Assert.DoesNotContain("salaries", line, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, line, StringComparison.Ordinal);
        Assert.DoesNotContain("20261202T100000Z", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_range_reports_every_fate_as_a_count_and_no_reason_or_key()
    {
        var (metrics, _, output) = NewWriter();
        var counters = new JobCounters
        {
            Listed = 100, Indexed = 60, Unchanged = 30, Deleted = 4, Failed = 1, BytesDownloaded = 123_456,
            Skipped = { ["excluded_by_rule"] = 5, ["deleted_before_read"] = 4 },
            MetadataOnly = { ["too_large"] = 2, ["folder"] = 3 },
        };

        metrics.Publish("s3-documents", ConnectorMetrics.RangeDone(counters, listRequests: 2));

        var line = Assert.Single(Lines(output));
        var values = AssertDocument(line, "s3-documents");
        Assert.Equal(("Count", 1.0), values[ConnectorMetrics.RangesCompleted]);
        Assert.Equal(("Count", 2.0), values[ConnectorMetrics.ListRequests]);
        Assert.Equal(("Count", 100.0), values[ConnectorMetrics.ObjectsListed]);
        Assert.Equal(("Count", 60.0), values[ConnectorMetrics.ObjectsIndexed]);
        Assert.Equal(("Count", 5.0), values[ConnectorMetrics.ObjectsMetadataOnly]);
        Assert.Equal(("Count", 30.0), values[ConnectorMetrics.ObjectsUnchanged]);
        Assert.Equal(("Count", 9.0), values[ConnectorMetrics.ObjectsSkipped]);
        Assert.Equal(("Count", 4.0), values[ConnectorMetrics.ObjectsDeleted]);
        Assert.Equal(("Count", 1.0), values[ConnectorMetrics.ObjectsFailed]);
        Assert.Equal(("Bytes", 123_456.0), values[ConnectorMetrics.BytesDownloaded]);
        // Reasons stay in the jobs index: as metric names they would be one metric each, and grow with every new reason.
        Assert.DoesNotContain("excluded_by_rule", line, StringComparison.Ordinal);
        Assert.DoesNotContain("too_large", line, StringComparison.Ordinal);
    }

    [Fact]
    public void An_events_batch_reports_each_fate()
    {
        var (metrics, _, output) = NewWriter();
        EventOutcome[] outcomes =
        [
            new(EventFate.Indexed), new(EventFate.Indexed), new(EventFate.Deleted, "object is gone"),
            new(EventFate.Ignored, "bucket not in the configuration"), new(EventFate.Retry, "503 from s3://b/k"),
            new(EventFate.Failed, "mapper_parsing_exception"),
        ];

        metrics.Publish("s3-documents", ConnectorMetrics.EventsApplied(outcomes, bytesDownloaded: 2048));

        var line = Assert.Single(Lines(output));
        var values = AssertDocument(line, "s3-documents");
        Assert.Equal(2.0, values[ConnectorMetrics.EventsIndexed].Value);
        Assert.Equal(1.0, values[ConnectorMetrics.EventsDeleted].Value);
        Assert.Equal(1.0, values[ConnectorMetrics.EventsIgnored].Value);
        Assert.Equal(1.0, values[ConnectorMetrics.EventsRetried].Value);
        Assert.Equal(1.0, values[ConnectorMetrics.EventsFailed].Value);
        Assert.Equal(("Bytes", 2048.0), values[ConnectorMetrics.EventBytesDownloaded]);
        Assert.DoesNotContain("s3://", line, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_a_hundred_metrics_are_split_into_documents_of_at_most_a_hundred()
    {
        var (metrics, _, output) = NewWriter();
        var values = Enumerable.Range(0, 250).Select(i => new MetricValue($"M{i}", MetricUnit.Count, i)).ToList();

        metrics.Publish("idx", values);

        var lines = Lines(output);
        Assert.Equal(3, lines.Length);
        var all = lines.SelectMany(l => AssertDocument(l, "idx")).ToDictionary(p => p.Key, p => p.Value.Value);
        Assert.Equal(values.ToDictionary(v => v.Name, v => v.Value), all);
    }

    [Fact]
    public void Values_json_cannot_hold_are_left_out()
    {
        var (metrics, _, output) = NewWriter();

        metrics.Publish("idx", [new("A", MetricUnit.Seconds, double.NaN), new("B", MetricUnit.Seconds, double.PositiveInfinity), new("C", MetricUnit.Seconds, 1)]);

        Assert.Equal(["C"], AssertDocument(Assert.Single(Lines(output)), "idx").Keys);
    }

    [Fact]
    public void Metric_lines_and_log_lines_written_at_once_never_interleave()
    {
        var (metrics, provider, output) = NewWriter();
        var logger = provider.CreateLogger("test");

        Parallel.For(0, 400, i =>
        {
            if (i % 2 == 0)
            {
                metrics.Publish("idx", ConnectorMetrics.RangeDone(new JobCounters { Listed = i }, 1));
            }
            else
            {
                logger.LogInformation("line {Number} with a long enough message to span buffers {Padding}", i, new string('x', 2000));
            }
        });

        var lines = Lines(output);
        Assert.Equal(400, lines.Length);
        Assert.Equal(200, lines.Count(l => l.StartsWith("{\"_aws\"", StringComparison.Ordinal)));
        Assert.All(lines.Where(l => l.StartsWith("{\"_aws\"", StringComparison.Ordinal)), l => AssertDocument(l, "idx"));
        Assert.All(lines, l => JsonDocument.Parse(l).Dispose());
    }

    [Fact]
    public void Metric_names_are_distinct_and_never_a_member_the_document_needs_for_itself()
    {
        var names = typeof(ConnectorMetrics).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f is { IsLiteral: true } && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();

        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.DoesNotContain("_aws", names);
        Assert.DoesNotContain(EmfMetrics.IndexDimension, names);
        Assert.DoesNotContain("requestId", names);
        Assert.All(names, n => Assert.Matches("^[A-Za-z]{1,255}$", n));
    }
}
