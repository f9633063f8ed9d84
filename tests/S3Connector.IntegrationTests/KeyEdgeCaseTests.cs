using System.Net.Http;
using S3Connector.Core.Documents;
using S3Connector.IntegrationTests.Infrastructure;

namespace S3Connector.IntegrationTests;

/// <summary>Keys that HTTP libraries like to "normalise": the connector must still index every one of them.</summary>
public sealed class KeyEdgeCaseTests(SyncStack stack) : IClassFixture<SyncStack>
{
    private static readonly string[] Keys =
    [
        "/leading-slash.txt", "a//double-slash.txt", "a/./dot-segment.txt", "a/../dotdot-segment.txt",
        "ctl\u0001char.txt", "tab\tand\nnewline.txt", "question?mark.txt", "hash#tag.txt", "percent%2Fslash.txt",
    ];

    [Fact]
    public async Task Every_odd_key_is_indexed_and_addressable_ones_get_content()
    {
        var bucket = await stack.CreateBucketAsync("oddkeys");
        using var http = new HttpClient();
        foreach (var key in Keys.Where(k => k.Contains("/./", StringComparison.Ordinal) || k.Contains("/../", StringComparison.Ordinal)))
        {
            // HttpClient removes dot segments from a URL; the SDK must keep them or S3 would store another key.
            await stack.PutAsync(bucket, key, "body of " + key);
        }

        foreach (var key in Keys.Where(k => !k.Contains("/./", StringComparison.Ordinal) && !k.Contains("/../", StringComparison.Ordinal)))
        {
            // Raw path-style PUT: the SDK under test must not be the one that writes the keys.
            var path = string.Join('/', key.Split('/').Select(Uri.EscapeDataString));
            using var content = new StringContent("body of " + key.Replace('\n', ' ').Replace('\t', ' ').Replace('\u0001', ' '));
            var response = await http.PutAsync(new Uri(stack.Aws.Endpoint, $"{bucket}/{path}"), content);
            Assert.True(response.IsSuccessStatusCode, $"{key}: {response.StatusCode}");
        }

        var index = SyncStack.NewName("oddkeys");
        var result = await SyncStack.RunCliAsync("sync", "--config", stack.WriteConfig(index, [bucket]));

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        var documents = await stack.ReadIndexAsync(index);
        foreach (var key in Keys.Where(k => k.Contains("/./", StringComparison.Ordinal) || k.Contains("/../", StringComparison.Ordinal)))
        {
            // HttpClient removes dot segments from a URL; the SDK must keep them or S3 would store another key.
            await stack.PutAsync(bucket, key, "body of " + key);
        }

        foreach (var key in Keys.Where(k => !k.Contains("/./", StringComparison.Ordinal) && !k.Contains("/../", StringComparison.Ordinal)))
        {
            var id = ObjectKeys.DocumentId(bucket, key);
            Assert.True(documents.ContainsKey(id), $"missing document for key '{key}'; indexed: {string.Join(" | ", documents.Values.Select(d => d["filename"]))}");
            Assert.Equal(key, documents[id]["filename"]!.GetValue<string>());
            if (!key.StartsWith('/'))
            {
                Assert.StartsWith("body of ", documents[id]["body"]!.GetValue<string>(), StringComparison.Ordinal);
            }
        }

        Assert.Contains("key_not_addressable: 1", result.Output, StringComparison.Ordinal);
    }
}
