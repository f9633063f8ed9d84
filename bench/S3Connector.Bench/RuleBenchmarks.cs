using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using S3Connector.Core.Configuration;
using S3Connector.Core.Documents;
using S3Connector.Core.Rules;
using S3Connector.Core.S3;

namespace S3Connector.Bench;

/// <summary>What sync rules cost per listed object, decided on the listing (no I/O).</summary>
[MemoryDiagnoser]
public class RuleBenchmarks
{
    private readonly S3ObjectInfo _object = new("my-bucket", "reports/2026/11/quarterly report é.pdf", 123_456,
        DateTimeOffset.UnixEpoch, "0123456789abcdef0123456789abcdef", "STANDARD", "owner");

    private SyncRules _none = null!;
    private SyncRules _advanced = null!;
    private SyncRules _typical = null!;
    private SyncRules _regex = null!;

    [GlobalSetup]
    public void Setup()
    {
        var advanced = Parse(AdvancedRuleParser.Parse, """
            [{"bucket":"my-bucket","prefix":"reports/","extension":[".pdf",".docx",".txt"]},
             {"bucket":"my-bucket","prefix":"reports/2026/","extension":[".xlsx"]},
             {"bucket":"other","prefix":"a/"}]
            """);
        // Five rules, none matching the object: the worst case walks them all and includes by default.
        var typical = Parse(BasicRuleParser.Parse, """
            [{"id":"tmp","policy":"exclude","field":"extension","rule":"equals","value":".tmp","order":1},
             {"id":"big","policy":"exclude","field":"size_in_bytes","rule":">","value":"104857600","order":2},
             {"id":"old","policy":"exclude","field":"_timestamp","rule":"<","value":"1969-01-01","order":3},
             {"id":"private","policy":"exclude","field":"filename","rule":"starts_with","value":"private/","order":4},
             {"id":"glacier","policy":"exclude","field":"storage_class","rule":"equals","value":"GLACIER","order":5}]
            """);
        var regex = Parse(BasicRuleParser.Parse, """
            [{"id":"drafts","policy":"exclude","field":"filename","rule":"regex","value":"[a-z]+/\\d{4}/\\d{2}/draft","order":1}]
            """);
        _none = new SyncRules([], [], ["my-bucket"]);
        _advanced = new SyncRules(advanced, []);
        _typical = new SyncRules(advanced, typical);
        _regex = new SyncRules([], regex);
    }

    private static IReadOnlyList<T> Parse<T>(Func<JsonNode?, List<ConfigurationError>, IReadOnlyList<T>> parse, string json)
    {
        var errors = new List<ConfigurationError>();
        var rules = parse(JsonNode.Parse(json), errors);
        return errors.Count == 0 ? rules : throw new InvalidOperationException(string.Join("; ", errors));
    }

    [Benchmark(Baseline = true)]
    public RuleDecision NoRules() => _none.Decide(_object);

    [Benchmark]
    public RuleDecision AdvancedOnly() => _advanced.Decide(_object);

    [Benchmark]
    public RuleDecision AdvancedAndFiveBasicRules() => _typical.Decide(_object);

    [Benchmark]
    public RuleDecision OneRegexRule() => _regex.Decide(_object);
}
