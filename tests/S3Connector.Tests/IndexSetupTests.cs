using System.Text.Json.Nodes;
using S3Connector.Core.Elasticsearch;

namespace S3Connector.Tests;

public sealed class IndexSetupTests
{
    [Fact]
    public void Content_index_body_sets_gc_deletes_beside_the_mappings()
    {
        var body = JsonNode.Parse(IndexSetup.ContentIndex)!.AsObject();

        Assert.Equal(IndexSetup.GcDeletesSetting, body["settings"]!["index"]!["gc_deletes"]!.GetValue<string>());
        Assert.Equal("keyword", body["mappings"]!["properties"]!["id"]!["type"]!.GetValue<string>());
        Assert.True(TimeValues.TryParse(IndexSetup.GcDeletesSetting, out var kept));
        Assert.Equal(IndexSetup.GcDeletes, kept);
        // Longer than the 15 minutes a Lambda invocation may hold a reading before writing it.
        Assert.True(kept > TimeSpan.FromMinutes(15));
    }

    [Fact]
    public void Jobs_index_body_has_no_settings() =>
        Assert.Null(JsonNode.Parse(IndexSetup.JobsMappings)!["settings"]);

    [Theory]
    [InlineData("60s", 60_000)]
    [InlineData("20m", 1_200_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("2d", 172_800_000)]
    [InlineData("500ms", 500)]
    [InlineData("1500000micros", 1_500)]
    [InlineData("2000000nanos", 2)]
    [InlineData("0", 0)]
    [InlineData("-1", -1)]
    [InlineData(" 20M ", 1_200_000)]
    public void Time_values_read_as_elasticsearch_prints_them(string text, long millis)
    {
        Assert.True(TimeValues.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(millis), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("20")]
    [InlineData("soon")]
    [InlineData("1.5s")]
    [InlineData("-5s")]
    public void Anything_else_is_not_a_time_value(string text) => Assert.False(TimeValues.TryParse(text, out _));

    [Fact]
    public void Only_serverless_refusing_gc_deletes_is_taken_for_a_refusal()
    {
        const string refusal = """{"error":{"root_cause":[{"type":"illegal_argument_exception","reason":"Settings [index.gc_deletes] are not available when running in serverless mode"}],"type":"illegal_argument_exception","reason":"Settings [index.gc_deletes] are not available when running in serverless mode"},"status":400}""";

        Assert.True(IndexSetup.IsSettingRefusedByServerless(400, refusal));
        Assert.False(IndexSetup.IsSettingRefusedByServerless(400, """{"error":{"type":"illegal_argument_exception","reason":"unknown setting [index.gc_deletes]"},"status":400}"""));
        Assert.False(IndexSetup.IsSettingRefusedByServerless(403, refusal));
    }
}
