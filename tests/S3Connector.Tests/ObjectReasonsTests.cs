using System.Text.RegularExpressions;
using S3Connector.Core.Documents;
using S3Connector.Testing;

namespace S3Connector.Tests;

public sealed partial class ObjectReasonsTests
{
    private static string Fates()
    {
        var architecture = File.ReadAllText(Path.Combine(LocalStack.RepoRoot, "docs", "ARCHITECTURE.md"));
        var start = architecture.IndexOf("## Every object's fate", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/ARCHITECTURE.md has no section \"Every object's fate\"");
        var end = architecture.IndexOf("\n## ", start + 3, StringComparison.Ordinal);
        return architecture[start..(end < 0 ? architecture.Length : end)];
    }

    private static List<string> Named(string text) => [.. Code().Matches(text).Select(m => m.Groups[1].Value)];

    [Fact]
    public void Architecture_lists_exactly_the_reasons_the_code_gives()
    {
        var fates = Fates();
        var metadataOnly = fates[fates.IndexOf("metadata only with a reason", StringComparison.Ordinal)..fates.IndexOf("**skipped**", StringComparison.Ordinal)];
        var skipped = fates[fates.IndexOf("**skipped**", StringComparison.Ordinal)..fates.IndexOf("**failed**", StringComparison.Ordinal)];

        Assert.Equal(ObjectReasons.MetadataOnly.Order(StringComparer.Ordinal), Named(metadataOnly).Order(StringComparer.Ordinal));
        Assert.Equal(ObjectReasons.Skipped.Order(StringComparer.Ordinal), Named(skipped).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Only_metadata_only_reasons_may_pass()
    {
        // A skipped object has no document to carry "try again"; only a metadata-only one can lack its fingerprint.
        Assert.All(ObjectReasons.Skipped, r => Assert.False(ObjectReasons.MayPass(r), r));
        Assert.True(ObjectReasons.MayPass(ObjectReasons.TimedOut));
        Assert.False(ObjectReasons.MayPass(ObjectReasons.Corrupt));
    }

    [GeneratedRegex("`([a-z_]+)`")]
    private static partial Regex Code();
}
