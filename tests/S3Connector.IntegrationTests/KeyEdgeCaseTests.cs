using System.Net.Http;
using S3Connector.Core.Documents;
using S3Connector.IntegrationTests.Infrastructure;

namespace S3Connector.IntegrationTests;

/// <summary>
/// Keys that HTTP libraries like to "normalise": the connector must still index every one of them. Run on fauxqs
/// (<see cref="KeyEdgeCaseTests"/>) and on moto (<see cref="MotoKeyEdgeCaseTests"/>).
/// </summary>
public abstract class KeyEdgeCaseScenarios<TStack>(TStack stack) where TStack : S3SyncStack
{
    private static readonly string[] AllKeys =
    [
        "/leading-slash.txt", "a//double-slash.txt", "a/./dot-segment.txt", "a/../dotdot-segment.txt",
        "ctl\u0001char.txt", "tab\tand\nnewline.txt", "question?mark.txt", "hash#tag.txt", "percent%2Fslash.txt",
    ];

    /// <summary>Whether the emulator takes unsigned PUTs; moto refuses some, so there the SDK writes the keys.</summary>
    protected virtual bool UnsignedPuts => true;

    /// <summary>The keys the emulator can store at all (S3 stores every one of them).</summary>
    protected virtual bool CanStore(string key) => true;

    private IEnumerable<string> Keys => AllKeys.Where(CanStore);

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
            var body = "body of " + key.Replace('\n', ' ').Replace('\t', ' ').Replace('\u0001', ' ');
            if (!UnsignedPuts)
            {
                await stack.PutAsync(bucket, key, body);
                continue;
            }

            // Raw path-style PUT: the SDK under test must not be the one that writes the keys.
            var path = string.Join('/', key.Split('/').Select(Uri.EscapeDataString));
            using var content = new StringContent(body);
            var response = await http.PutAsync(new Uri(stack.S3Stack.Endpoint, $"{bucket}/{path}"), content);
            Assert.True(response.IsSuccessStatusCode, $"{key}: {response.StatusCode}");
        }

        var index = SyncStack.NewName("oddkeys");
        var result = await SyncStack.RunCliAsync("sync", "--config", stack.WriteConfig(index, [bucket]));

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        var documents = await stack.ReadIndexAsync(index);
        foreach (var key in Keys)
        {
            var id = ObjectKeys.DocumentId(bucket, key);
            Assert.True(documents.ContainsKey(id), $"missing document for key '{key}'; indexed: {string.Join(" | ", documents.Values.Select(d => d["filename"]))}");
            Assert.Equal(key, documents[id]["filename"]!.GetValue<string>());
            if (!key.StartsWith('/'))
            {
                Assert.StartsWith("body of ", documents[id]["body"]!.GetValue<string>(), StringComparison.Ordinal);
            }
        }

        if (Keys.Any(k => k.StartsWith('/')))
        {
            Assert.Contains("key_not_addressable: 1", result.Output, StringComparison.Ordinal);
        }
    }
}

public sealed class KeyEdgeCaseTests(SyncStack stack) : KeyEdgeCaseScenarios<SyncStack>(stack), IClassFixture<SyncStack>;

public sealed class MotoKeyEdgeCaseTests(MotoStack stack) : KeyEdgeCaseScenarios<MotoStack>(stack), IClassFixture<MotoStack>
{
    protected override bool UnsignedPuts => false;

    /// <summary>
    /// moto's HTTP layer answers 404 to a path with a line break in it, and the SDK (which writes the keys here) drops a
    /// leading "/" from a key.
    /// </summary>
    protected override bool CanStore(string key) => !key.Contains('\n', StringComparison.Ordinal) && !key.StartsWith('/');
}
