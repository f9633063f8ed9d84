using System.Text.Json.Nodes;
using System.Web;
using S3Connector.Core.Documents;
using S3Connector.IntegrationTests.Infrastructure;
using S3Connector.Testing;

namespace S3Connector.IntegrationTests;

public sealed class SyncRulesTests(SyncStack stack) : IClassFixture<SyncStack>
{
    private static JsonObject Basic(string id, string policy, string field, string rule, string value, int order) => new()
    {
        ["id"] = id, ["policy"] = policy, ["field"] = field, ["rule"] = rule, ["value"] = value, ["order"] = order,
    };

    private static JsonObject Advanced(string bucket, string prefix, params string[] extensions)
    {
        var rule = new JsonObject { ["bucket"] = bucket, ["prefix"] = prefix };
        if (extensions.Length > 0)
        {
            rule["extension"] = new JsonArray(extensions.Select(e => (JsonNode)JsonValue.Create(e)).ToArray());
        }

        return rule;
    }

    private async Task<IReadOnlyList<LocalStackRequest>> RequestsForAsync(string bucket) =>
        (await stack.Aws.GetRequestsAsync()).Where(r => r.Service == "s3" && r.Bucket == bucket).ToList();

    private static IEnumerable<string> Ids(string bucket, IEnumerable<string> keys) =>
        keys.Select(k => ObjectKeys.DocumentId(bucket, k)).Order(StringComparer.Ordinal);

    [Fact]
    public async Task Excluded_objects_are_never_downloaded_excluded_prefixes_never_listed_and_overlaps_listed_once()
    {
        var bucket = await stack.CreateBucketAsync("rules");
        string[] included = ["docs/a.txt", "docs/B.TXT", "docs/reports/r.pdf", "docs/reports/r.txt"];
        string[] excluded =
        [
            "docs/tmp/c.txt", // basic rule on the key
            "docs/big.txt", // basic rule on the size
            "docs/x.pdf", // no rule lets .pdf in outside docs/reports/
            "private/secret.txt", // no rule covers private/
            "top.txt",
        ];
        await stack.PutManyAsync(bucket, included.Select(k => (k, "small")));
        await stack.PutManyAsync(bucket, excluded.Select(k => (k, k == "docs/big.txt" ? new string('x', 500) : "small")));
        var index = SyncStack.NewName("rules");
        var config = stack.WriteConfig(index, ["ignored-when-advanced-rules-are-set"], c =>
        {
            // The same (bucket, prefix) twice and a nested prefix: three rules, one listing of docs/.
            c["advanced_sync_rules"] = new JsonArray(
                Advanced(bucket, "docs/", "TXT"),
                Advanced(bucket, "docs/reports/", "pdf"),
                Advanced(bucket, "docs/", ".txt"));
            c["basic_sync_rules"] = new JsonArray(
                Basic("no-big", "exclude", "size_in_bytes", ">", "100", 2),
                Basic("no-tmp", "exclude", "filename", "starts_with", "docs/tmp/", 1));
        });
        await stack.Aws.ClearRequestsAsync();

        var result = await SyncStack.RunCliAsync("sync", "--config", config);

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        var documents = await stack.ReadIndexAsync(index);
        Assert.Equal(Ids(bucket, included), documents.Keys.Order(StringComparer.Ordinal));

        var requests = await RequestsForAsync(bucket);
        var fetches = requests.Where(r => r.Operation is "GetObject" or "HeadObject").Select(r => r.Key!).ToList();
        Assert.Empty(fetches.Intersect(excluded));
        Assert.Equal(fetches.Count, fetches.Distinct().Count());
        // Every included object has an extractor for its format, so each is fetched exactly once.
        Assert.Equal(included.Order(), fetches.Order());

        var listings = requests.Where(r => r.Operation is "ListObjectsV2" or "ListObjects")
            .Select(r => HttpUtility.ParseQueryString(r.Query))
            .Select(q => (Prefix: q["prefix"] ?? "", Delimiter: q["delimiter"], StartAfter: q["start-after"], Token: q["continuation-token"], MaxKeys: q["max-keys"]))
            .ToList();
        Assert.NotEmpty(listings);
        Assert.All(listings, l => Assert.StartsWith("docs/", l.Prefix, StringComparison.Ordinal));
        Assert.Equal(listings.Count, listings.Distinct().Count());
        // docs/reports/ is listed as part of docs/'s key ranges, never again as a rule of its own.
        Assert.DoesNotContain(listings, l => l.Prefix == "docs/reports/");
        Assert.Matches(@"objects listed\s+7\b", result.Output);
        Assert.Matches(@"excluded_by_rule: 3\b", result.Output);
    }

    [Fact]
    public async Task A_rule_change_followed_by_a_full_sync_removes_the_newly_excluded_documents()
    {
        var bucket = await stack.CreateBucketAsync("change");
        string[] keys = ["a.txt", "b.log", "keep/c.txt", "keep/d.log"];
        await stack.PutManyAsync(bucket, keys.Select(k => (k, "content of " + k)));
        var index = SyncStack.NewName("change");

        var first = await SyncStack.RunCliAsync("sync", "--config", stack.WriteConfig(index, [bucket]));
        Assert.True(first.ExitCode == 0, first.Error + first.Output);
        Assert.Equal(Ids(bucket, keys), (await stack.ReadIndexAsync(index)).Keys.Order(StringComparer.Ordinal));

        var noLogs = new JsonArray(Basic("no-logs", "exclude", "extension", "equals", ".log", 1));
        var second = await SyncStack.RunCliAsync("sync", "--config",
            stack.WriteConfig(index, [bucket], c => c["basic_sync_rules"] = noLogs.DeepClone()));
        Assert.True(second.ExitCode == 0, second.Error + second.Output);
        Assert.Matches(@"deleted\s+2\b", second.Output);
        Assert.Equal(Ids(bucket, ["a.txt", "keep/c.txt"]), (await stack.ReadIndexAsync(index)).Keys.Order(StringComparer.Ordinal));

        var third = await SyncStack.RunCliAsync("sync", "--config", stack.WriteConfig(index, [bucket], c =>
        {
            c["basic_sync_rules"] = noLogs.DeepClone();
            c["advanced_sync_rules"] = new JsonArray(Advanced(bucket, "keep/"));
        }));
        Assert.True(third.ExitCode == 0, third.Error + third.Output);
        Assert.Matches(@"deleted\s+1\b", third.Output);
        Assert.Equal(Ids(bucket, ["keep/c.txt"]), (await stack.ReadIndexAsync(index)).Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Invalid_rules_exit_2_before_any_work_and_name_each_bad_rule()
    {
        var bucket = await stack.CreateBucketAsync("badrules");
        await stack.PutAsync(bucket, "a.txt", "a");
        var index = SyncStack.NewName("badrules");
        var config = stack.WriteConfig(index, [bucket], c =>
        {
            c["advanced_sync_rules"] = new JsonArray(
                new JsonObject { ["prefix"] = "docs/" },
                new JsonObject { ["bucket"] = bucket, ["extension"] = ".pdf" });
            c["basic_sync_rules"] = new JsonArray(
                Basic("bad-regex", "exclude", "filename", "regex", "(unclosed", 1),
                Basic("bad-field", "exclude", "colour", "equals", "blue", 2),
                Basic("match-all", "exclude", "filename", "regex", ".*", 3),
                Basic("bad-size", "exclude", "size_in_bytes", ">", "10MB", 4));
        });
        await stack.Aws.ClearRequestsAsync();

        var result = await SyncStack.RunCliAsync("sync", "--config", config);

        Assert.Equal(2, result.ExitCode);
        foreach (var expected in new[]
                 {
                     "advanced_sync_rules[0].bucket:", "advanced_sync_rules[1].extension:",
                     "basic_sync_rules[0].value: rule 'bad-regex'", "basic_sync_rules[1].field: rule 'bad-field'",
                     "basic_sync_rules[2].value: rule 'match-all'", "basic_sync_rules[3].value: rule 'bad-size'",
                 })
        {
            Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.Empty(await RequestsForAsync(bucket));
        Assert.False(await stack.IndexExistsAsync(index));
    }
}
