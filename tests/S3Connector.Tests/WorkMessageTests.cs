using System.Text;
using System.Text.Json;
using S3Connector.Core.Documents;
using S3Connector.Core.Json;
using S3Connector.Core.Queue;
using S3Connector.Core.Sync;
using S3Connector.Core.S3;

namespace S3Connector.Tests;

public sealed class WorkMessageTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

    private static S3ObjectInfo Object(string key) => new("b", key, 12, Now, "\"etag\"", "STANDARD", "owner");

    [Fact]
    public void A_reading_round_trips_and_covers_only_its_range()
    {
        var range = new KeyRange("p/", "p/b", "p/d");
        var listed = new[] { "p/a", "p/b", "p/c", "p/d", "p/e" }.Select(Object).ToList();
        var fingerprints = new Dictionary<string, string?>(StringComparer.Ordinal) { ["p/c"] = "f1", ["p/a"] = "f0" };

        var reading = RangeReading.Of(range, listed, fingerprints, ["p/a", "p/cc", "p/z"], Now)!;
        var message = new WorkMessage { JobId = "j", Bucket = "b", Range = range, Reading = reading };
        var parsed = SqsWorkQueue.Parse(JsonSerializer.Serialize(message, ConnectorJson.Default.WorkMessage)).Reading!;

        Assert.Equal(["p/c", "p/d"], parsed.Objects.Select(o => o.Key));
        Assert.Equal(["p/cc"], parsed.Unlisted);
        Assert.Equal(new Dictionary<string, string?> { ["p/c"] = "f1" }, parsed.Fingerprints());
        Assert.Equal(Object("p/d"), parsed.Objects[1].ToObject("b"));
        Assert.Equal(message.UnitId, (message with { Reading = null }).UnitId);
    }

    [Fact]
    public void A_reading_too_large_for_a_message_is_not_carried()
    {
        var keys = Enumerable.Range(0, 200).Select(i => $"p/{new string('k', 900)}{i:D4}").ToList();
        var reading = RangeReading.Of(KeyRange.Whole("p/"), keys.Select(Object), new Dictionary<string, string?>(), [], Now);
        Assert.Null(reading);
    }

    [Fact]
    public void Batches_hold_at_most_ten_messages_and_stay_under_the_SQS_batch_limit()
    {
        var big = RangeReading.Of(KeyRange.Whole("p/"), Enumerable.Range(0, 300).Select(i => Object($"p/{new string('k', 150)}{i:D4}")),
            new Dictionary<string, string?>(), [], Now);
        Assert.NotNull(big);
        var messages = Enumerable.Range(0, 25)
            .Select(i => new WorkMessage { JobId = "j", Bucket = "b", Range = new KeyRange("p/", $"p/{i}", null), Reading = i % 2 == 0 ? big : null })
            .ToList();

        var batches = SqsWorkQueue.Batches(messages).ToList();

        Assert.Equal(25, batches.Sum(b => b.Count));
        Assert.All(batches, b => Assert.InRange(b.Count, 1, 10));
        Assert.All(batches, b => Assert.True(b.Sum(Encoding.UTF8.GetByteCount) <= SqsWorkQueue.MaxBatchBytes));
        Assert.True(batches.Count > 3, "large readings split batches by bytes");
    }
}
