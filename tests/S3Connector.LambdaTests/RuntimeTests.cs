using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using S3Connector.Functions.Runtime;

namespace S3Connector.LambdaTests;

/// <summary>The runtime pieces in process: error redaction, the JSON log line, the deadline token.</summary>
public sealed partial class RuntimeTests
{
    [Fact]
    public void Errors_blank_every_known_secret()
    {
        var error = LambdaError.From(new InvalidOperationException("GET https://elastic:hunter2-long@es:9200 failed, key c2VjcmV0a2V5"),
            ["hunter2-long", "c2VjcmV0a2V5", "ab"]);
        Assert.Equal("InvalidOperationException", error.ErrorType);
        Assert.Equal("GET https://elastic:***@es:9200 failed, key ***", error.ErrorMessage);
    }

    [Fact]
    public void Log_lines_are_json_in_lambdas_format_with_the_request_id_and_named_values()
    {
        using var output = new MemoryStream();
        using (var provider = new LambdaJsonLoggerProvider(output, LogLevel.Information))
        {
            var logger = provider.CreateLogger("Test");
            LambdaJsonLogger.RequestId = "req-1";
            LogPage(logger, "bucket-a", 42);
            LambdaJsonLogger.RequestId = null;
            logger.LogDebug("below the minimum level");
        }

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = JsonNode.Parse(Assert.Single(lines))!;
        Assert.Equal("WARN", line["level"]!.GetValue<string>());
        Assert.Equal("Page of bucket-a: 42 keys", line["message"]!.GetValue<string>());
        Assert.Equal("req-1", line["requestId"]!.GetValue<string>());
        Assert.Equal("bucket-a", line["Bucket"]!.GetValue<string>());
        Assert.Equal(42, line["Keys"]!.GetValue<int>());
        Assert.EndsWith("Z", line["timestamp"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Deadline_token_fires_the_margin_before_the_deadline()
    {
        var time = new ManualTime(DateTimeOffset.UnixEpoch);
        var context = new LambdaContext("id", "fn", "arn", DateTimeOffset.UnixEpoch.AddSeconds(30), time, "Root=1");
        Assert.Equal(TimeSpan.FromSeconds(30), context.RemainingTime);
        Assert.Equal("Root=1", context.TraceId);
        using var late = LambdaContext.DeadlineSource(
            new LambdaContext("id", "fn", "arn", DateTimeOffset.UnixEpoch.AddSeconds(5), time), TimeSpan.FromSeconds(10), time);
        Assert.True(late.IsCancellationRequested, "less time left than the margin: cancelled at once");
    }

    [Fact]
    public void Deadline_token_fires_exactly_the_margin_before_the_deadline_on_the_given_clock()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var context = new LambdaContext("id", "fn", "arn", DateTimeOffset.UnixEpoch.AddSeconds(30), time);
        using var deadline = LambdaContext.DeadlineSource(context, TimeSpan.FromSeconds(10), time);

        time.Advance(TimeSpan.FromSeconds(19.9));
        Assert.False(deadline.IsCancellationRequested, "10.1 s before the deadline: still working");
        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(deadline.IsCancellationRequested, "10 s before the deadline: stop");
    }

    [LoggerMessage(1, LogLevel.Warning, "Page of {Bucket}: {Keys} keys")]
    private static partial void LogPage(ILogger logger, string bucket, int keys);

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
