using S3Connector.Core.Events;

namespace S3Connector.Tests;

public sealed class EventParserTests
{
    private static readonly string EventsFolder = FindEventsFolder();

    private static string FindEventsFolder()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "S3LambdaConnector.sln")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root not found"), "events");
    }

    public static TheoryData<string> DirectEnvelopes() =>
        ["events-s3-direct.json", "events-s3-removed.json", "events-sns-direct.json", "events-eventbridge-created.json", "events-eventbridge-deleted.json"];

    [Theory]
    [MemberData(nameof(DirectEnvelopes))]
    public void Every_direct_envelope_yields_the_decoded_key(string file)
    {
        var parsed = S3EventParser.Parse(File.ReadAllText(Path.Combine(EventsFolder, file)));

        Assert.Null(parsed.Error);
        var record = Assert.Single(parsed.Records);
        Assert.Equal("example-bucket", record.Bucket);
        Assert.Equal("docs/hello worldé.txt", record.Key);
        Assert.Equal(EventAction.Reconcile, record.Action);
        Assert.NotNull(record.Sequencer);
    }

    [Theory]
    [InlineData("events-sqs-s3.json")]
    [InlineData("events-sqs-sns.json")]
    [InlineData("events-sqs-sns-raw.json")]
    [InlineData("events-sqs-eventbridge.json")]
    public void Every_sqs_body_yields_the_decoded_key(string file)
    {
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(EventsFolder, file)));
        var body = document.RootElement.GetProperty("Records")[0].GetProperty("body").GetString()!;

        var record = Assert.Single(S3EventParser.Parse(body).Records);
        Assert.Equal("docs/hello worldé.txt", record.Key);
    }

    [Fact]
    public void Test_event_is_recognised()
    {
        var parsed = S3EventParser.Parse(File.ReadAllText(Path.Combine(EventsFolder, "events-s3-test-event.json")));
        Assert.True(parsed.IsTestEvent);
        Assert.Empty(parsed.Records);
        Assert.Null(parsed.Error);
    }

    [Theory]
    [InlineData("""{"hello":"world"}""")]
    [InlineData("""[1,2]""")]
    [InlineData("""not json""")]
    [InlineData("""{"Records":[{"eventSource":"aws:dynamodb"}]}""")]
    [InlineData("""{"Records":[{"eventSource":"aws:s3","s3":{"bucket":{"name":"b"}}}]}""")]
    [InlineData("""{"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name":"b"}}}""")]
    public void Unknown_shapes_are_errors_not_exceptions(string json) => Assert.NotNull(S3EventParser.Parse(json).Error);

    [Theory]
    [InlineData("a+b", "a b")]
    [InlineData("a%2Bb", "a+b")]
    [InlineData("100%25", "100%")]
    [InlineData("%E6%97%A5%E6%9C%AC", "日本")]
    [InlineData("dir/sub/file.txt", "dir/sub/file.txt")]
    public void Notification_keys_are_form_decoded(string encoded, string key) => Assert.Equal(key, S3Connector.Core.S3.S3Gateway.DecodeKey(encoded));

    [Theory]
    [InlineData("ObjectCreated:Put", EventAction.Reconcile)]
    [InlineData("ObjectCreated:CompleteMultipartUpload", EventAction.Reconcile)]
    [InlineData("ObjectRemoved:DeleteMarkerCreated", EventAction.Reconcile)]
    [InlineData("LifecycleExpiration:Delete", EventAction.Reconcile)]
    [InlineData("ObjectRestore:Completed", EventAction.Reconcile)]
    [InlineData("ObjectRestore:Post", EventAction.Ignore)]
    [InlineData("ObjectTagging:Put", EventAction.Ignore)]
    [InlineData("Object Deleted", EventAction.Reconcile)]
    [InlineData("Object ACL Updated", EventAction.Ignore)]
    public void Event_types_are_classified(string name, EventAction expected) => Assert.Equal(expected, S3EventRecord.Classify(name));
}
