using System.Text.Json.Nodes;
using S3Connector.Core.Configuration;
using S3Connector.Core.Documents;
using S3Connector.Core.Rules;
using S3Connector.Core.S3;

namespace S3Connector.Tests;

public sealed class SyncRulesTests
{
    // size 12, like the original's mock Summary; LastModified 2026-11-27T20:22:18Z.
    private static readonly S3ObjectInfo Report = new(
        "bucket1", "reports/2026/Q3 report.pdf", 12, new DateTimeOffset(2026, 11, 27, 20, 22, 18, TimeSpan.Zero),
        "abc123", "STANDARD", "User1");

    private static IReadOnlyList<BasicRule> Basic(string json)
    {
        var errors = new List<ConfigurationError>();
        var rules = BasicRuleParser.Parse(JsonNode.Parse(json), errors);
        Assert.Empty(errors);
        return rules;
    }

    private static List<ConfigurationError> BasicErrors(string json)
    {
        var errors = new List<ConfigurationError>();
        BasicRuleParser.Parse(JsonNode.Parse(json), errors);
        return errors;
    }

    private static string One(string field, string rule, string value, string policy = "exclude") =>
        new JsonArray(new JsonObject
        {
            ["id"] = "r1", ["policy"] = policy, ["field"] = field, ["rule"] = rule, ["value"] = value, ["order"] = 1,
        }).ToJsonString();

    private static RuleDecision Decide(string rulesJson, S3ObjectInfo? obj = null, FetchedFields? fetched = null) =>
        new SyncRules([], Basic(rulesJson)).Decide(obj ?? Report, fetched);

    // Each operator on each kind of field; "true" means the rule matched (the exclude rule decided).
    [Theory]
    [InlineData("filename", "equals", "reports/2026/Q3 report.pdf", true)]
    [InlineData("filename", "equals", "reports/2026/q3 report.pdf", false)]
    [InlineData("filename", "contains", "Q3", true)]
    [InlineData("filename", "contains", "Q4", false)]
    [InlineData("filename", "starts_with", "reports/", true)]
    [InlineData("filename", "starts_with", "2026/", false)]
    [InlineData("filename", "ends_with", ".pdf", true)]
    [InlineData("filename", "ends_with", ".PDF", false)]
    [InlineData("filename", "regex", "reports/\\d{4}/", true)]
    [InlineData("filename", "regex", "\\d{4}/", false)] // anchored at the start, like re.match
    [InlineData("filename", "regex", "rep", true)] // but not a full match
    [InlineData("filename", "<", "s", true)] // strings compare by code point
    [InlineData("filename", ">", "s", false)]
    [InlineData("bucket", "equals", "bucket1", true)]
    [InlineData("extension", "equals", ".pdf", true)]
    [InlineData("extension", "equals", "pdf", false)]
    [InlineData("owner", "equals", "User1", true)]
    [InlineData("storage_class", "equals", "STANDARD", true)]
    [InlineData("etag", "starts_with", "abc", true)]
    [InlineData("url", "equals", "s3://bucket1/reports/2026/Q3 report.pdf", true)]
    [InlineData("id", "equals", "00000000000000000000000000000000", false)]
    // Numbers compare as numbers: as strings, "12" > "100" and "12" < "9".
    [InlineData("size_in_bytes", ">", "9", true)]
    [InlineData("size_in_bytes", "<", "100", true)]
    [InlineData("size_in_bytes", ">", "100", false)]
    [InlineData("size_in_bytes", "equals", "12", true)]
    [InlineData("size_in_bytes", "equals", "12.0", true)]
    [InlineData("size_in_bytes", "equals", "1.2e1", true)]
    [InlineData("size_in_bytes", "starts_with", "1", true)]
    [InlineData("size_in_bytes", "contains", "2", true)]
    // Dates compare as instants, whatever offset or precision the rule is written with.
    [InlineData("_timestamp", "<", "2026-12-01", true)]
    [InlineData("_timestamp", ">", "2026-12-01", false)]
    [InlineData("_timestamp", ">", "2026-11-27T21:00:00+02:00", true)]
    [InlineData("_timestamp", "equals", "2026-11-27T20:22:18Z", true)]
    [InlineData("_timestamp", "equals", "2026-11-27T22:22:18+02:00", true)]
    [InlineData("_timestamp", "equals", "2026-11-27T20:22:19Z", false)]
    [InlineData("_timestamp", "starts_with", "2026-11-27T20", true)]
    public void Each_operator_on_each_field_type(string field, string rule, string value, bool matches)
    {
        var decision = Decide(One(field, rule, value));
        Assert.Equal(matches ? RuleVerdict.Exclude : RuleVerdict.Include, decision.Verdict);
        Assert.Equal(matches ? "r1" : null, decision.RuleId);
    }

    [Theory]
    [InlineData("EQUALS")]
    [InlineData("Starts_With")]
    public void Rule_names_are_case_insensitive(string rule) =>
        Assert.Equal(RuleVerdict.Exclude, Decide(One("filename", rule, "reports/2026/Q3 report.pdf")).Verdict);

    // Ascending order, first match decides (not list position), ties keep list order, no match includes.
    [Theory]
    [InlineData("""[{"id":"a","policy":"exclude","field":"extension","rule":"equals","value":".pdf","order":2}, {"id":"b","policy":"include","field":"filename","rule":"starts_with","value":"reports/","order":1}]""", "b", RuleVerdict.Include)]
    [InlineData("""[{"id":"a","policy":"exclude","field":"extension","rule":"equals","value":".pdf","order":1}, {"id":"b","policy":"include","field":"filename","rule":"starts_with","value":"reports/","order":2}]""", "a", RuleVerdict.Exclude)]
    [InlineData("""[{"id":"a","policy":"exclude","field":"extension","rule":"equals","value":".pdf","order":5}, {"id":"b","policy":"include","field":"filename","rule":"starts_with","value":"reports/","order":5}]""", "a", RuleVerdict.Exclude)]
    [InlineData("""[{"id":"a","policy":"include","field":"extension","rule":"equals","value":".txt","order":1}, {"id":"b","policy":"exclude","field":"bucket","rule":"equals","value":"other","order":2}]""", null, RuleVerdict.Include)]
    [InlineData("""[{"id":"a","policy":"exclude","field":"extension","rule":"equals","value":".pdf","order":1.5}, {"id":"b","policy":"include","field":"filename","rule":"starts_with","value":"reports/","order":"1.25"}]""", "b", RuleVerdict.Include)]
    public void Ascending_order_first_match_decides(string rules, string? decidedBy, RuleVerdict verdict)
    {
        var decision = Decide(rules);
        Assert.Equal(verdict, decision.Verdict);
        Assert.Equal(decidedBy, decision.RuleId);
    }

    [Fact]
    public void The_default_rule_is_not_evaluated_and_no_match_includes()
    {
        // Kibana stores DEFAULT with field "_"; the original drops the rule before looking at it, and so do we.
        Assert.Empty(BasicErrors("""[{"id":"DEFAULT","policy":"include","field":"_","rule":"regex","value":".*","order":0}]"""));

        var decision = Decide("""
            [{"id":"DEFAULT","policy":"include","field":"filename","rule":"regex","value":".*","order":0},
             {"id":"x","policy":"exclude","field":"extension","rule":"equals","value":".txt","order":1}]
            """);
        Assert.Equal(RuleDecision.IncludedByDefault, decision);
        Assert.Equal(RuleDecision.IncludedByDefault, new SyncRules([], []).Decide(Report));
    }

    [Fact]
    public void Rules_on_fetched_fields_wait_for_the_fetch_only_when_they_come_first()
    {
        var rules = """
            [{"id":"pdfs-out","policy":"exclude","field":"extension","rule":"equals","value":".pdf","order":1},
             {"id":"html-out","policy":"exclude","field":"content_type","rule":"starts_with","value":"text/html","order":2},
             {"id":"big-out","policy":"exclude","field":"size_in_bytes","rule":">","value":"1000","order":3}]
            """;
        // Decided on the listing by an earlier rule: no fetch needed.
        Assert.Equal(new RuleDecision(RuleVerdict.Exclude, "pdfs-out"), Decide(rules));

        var page = Report with { Key = "site/index.html" };
        Assert.Equal(new RuleDecision(RuleVerdict.NeedsFetch, "html-out"), Decide(rules, page));
        Assert.Equal(new RuleDecision(RuleVerdict.Exclude, "html-out"), Decide(rules, page, new FetchedFields("text/html; charset=utf-8", null)));
        Assert.Equal(RuleVerdict.Include, Decide(rules, page, new FetchedFields("text/plain", null)).Verdict);
        // Not fetched (metadata only): the field is missing, which matches nothing, and the later rules decide.
        Assert.Equal(new RuleDecision(RuleVerdict.Exclude, "big-out"), Decide(rules, page with { Size = 5000 }, FetchedFields.NotFetched));
    }

    [Fact]
    public void A_regex_that_times_out_excludes()
    {
        var rules = Basic(One("filename", "regex", "(a+)+$"));
        var evil = Report with { Key = new string('a', 40_000) + "!" };
        var decision = new SyncRules([], rules).Decide(evil);
        Assert.Equal(RuleVerdict.Exclude, decision.Verdict);
        Assert.True(decision.TimedOut);
    }

    // Validation: each bad rule is named by position and key, with the rule's id when it has one.
    [Theory]
    [InlineData("""{"bucket":"x"}""", "basic_sync_rules", "list")]
    [InlineData("""["r1"]""", "basic_sync_rules[0]", "object")]
    [InlineData("""[{"policy":"exclude","field":"filename","rule":"equals","value":"a","order":1}]""", "basic_sync_rules[0].id", "required")]
    [InlineData("""[{"id":"","policy":"exclude","field":"filename","rule":"equals","value":"a","order":1}]""", "basic_sync_rules[0].id", "non-empty")]
    [InlineData("""[{"id":"r1","policy":"drop","field":"filename","rule":"equals","value":"a","order":1}]""", "basic_sync_rules[0].policy", "rule 'r1'")]
    [InlineData("""[{"id":"r1","policy":"exclude","field":"colour","rule":"equals","value":"a","order":1}]""", "basic_sync_rules[0].field", "unknown document field 'colour'")]
    [InlineData("""[{"id":"r1","policy":"exclude","field":"filename","rule":"like","value":"a","order":1}]""", "basic_sync_rules[0].rule", "'like' is not a rule")]
    [InlineData("""[{"id":"r1","policy":"exclude","field":"filename","rule":"equals","value":"","order":1}]""", "basic_sync_rules[0].value", "non-empty")]
    [InlineData("""[{"id":"r1","policy":"exclude","field":"filename","rule":"equals","value":5,"order":1}]""", "basic_sync_rules[0].value", "string")]
    [InlineData("""[{"id":"r1","policy":"exclude","field":"filename","rule":"equals","value":"a"}]""", "basic_sync_rules[0].order", "number")]
    [InlineData("""[{"id":"r1","policy":"exclude","field":"filename","rule":"equals","value":"a","order":"first"}]""", "basic_sync_rules[0].order", "number")]
    [InlineData("""[{"id":"r1","policy":"exclude","field":"filename","rule":"equals","value":"a","order":1,"enabled":true}]""", "basic_sync_rules[0].enabled", "unknown key")]
    [InlineData("""[{"id":"r1","policy":"exclude","field":"filename","rule":"regex","value":".*","order":1}]""", "basic_sync_rules[0].value", "matches everything")]
    [InlineData("""[{"id":"r1","policy":"exclude","field":"filename","rule":"regex","value":"(.*)","order":1}]""", "basic_sync_rules[0].value", "matches everything")]
    [InlineData("""[{"id":"r1","policy":"exclude","field":"filename","rule":"regex","value":"[a-","order":1}]""", "basic_sync_rules[0].value", "not a valid regular expression")]
    [InlineData("""[{"id":"r1","policy":"exclude","field":"filename","rule":"regex","value":"a)|(b","order":1}]""", "basic_sync_rules[0].value", "not a valid regular expression")]
    [InlineData("""[{"id":"r1","policy":"exclude","field":"size_in_bytes","rule":">","value":"1MB","order":1}]""", "basic_sync_rules[0].value", "not a number")]
    [InlineData("""[{"id":"r1","policy":"exclude","field":"_timestamp","rule":"<","value":"last week","order":1}]""", "basic_sync_rules[0].value", "not a date")]
    [InlineData("""[{"id":"DEFAULT","policy":"exclude","field":"filename","rule":"regex","value":".*","order":0}]""", "basic_sync_rules[0].policy", "always includes")]
    [InlineData("""[{"id":"a","policy":"exclude","field":"etag","rule":"equals","value":"x","order":1}, {"id":"b","policy":"include","field":"etag","rule":"equals","value":"x","order":2}]""", "basic_sync_rules[0]", "rule 'a': same field, rule and value as basic_sync_rules[1]")]
    public void Validation_names_the_rule_and_the_problem(string json, string key, string problem)
    {
        var errors = BasicErrors(json);
        Assert.Contains(errors, e => e.Key == key && e.Problem.Contains(problem, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("""[{"id":"DEFAULT","policy":"include","field":"filename","rule":"regex","value":".*","order":0}]""")]
    [InlineData("""[{"id":"r1","policy":"EXCLUDE","field":"filename","rule":"regex","value":".*\\.tmp$","order":1,"created_at":"2026-01-01","updated_at":"2026-01-01"}]""")]
    public void Valid_rule_sets(string json) => Assert.Empty(BasicErrors(json));

    // Exactly these keys are reported. Same field, rule and value invalidates both rules even with different
    // policies (like the original); duplicate ids are both named; every bad rule is reported at once.
    [Theory]
    [InlineData("""[{"id":"a","policy":"exclude","field":"extension","rule":"equals","value":".tmp","order":1}, {"id":"b","policy":"include","field":"extension","rule":"equals","value":".tmp","order":2}, {"id":"c","policy":"include","field":"extension","rule":"equals","value":".txt","order":3}]""",
        "basic_sync_rules[0]|basic_sync_rules[1]")]
    [InlineData("""[{"id":"a","policy":"exclude","field":"extension","rule":"equals","value":".tmp","order":1}, {"id":"a","policy":"include","field":"extension","rule":"equals","value":".txt","order":2}]""",
        "basic_sync_rules[0].id|basic_sync_rules[1].id")]
    [InlineData("""[{"id":"ok","policy":"exclude","field":"filename","rule":"equals","value":"a","order":1}, {"id":"r2","policy":"exclude","field":"filename","rule":"regex","value":"(","order":2}, {"id":"r3","policy":"maybe","field":"size_in_bytes","rule":">","value":"big","order":3}]""",
        "basic_sync_rules[1].value|basic_sync_rules[2].policy")]
    public void Rule_sets_report_exactly_these_keys(string json, string keys)
    {
        var errors = BasicErrors(json);
        Assert.Equal(keys.Split('|'), errors.Select(e => e.Key).Order(StringComparer.Ordinal).ToArray());
    }

    // The original's test_advanced_rules_validation vectors, plus our stricter checks.
    [Theory]
    [InlineData("[]", null)]
    [InlineData("{}", null)]
    [InlineData("""[{"bucket":"bucket1"}]""", null)]
    [InlineData("""[{"bucket":"bucket1"},{"bucket":"bucket2"}]""", null)]
    [InlineData("""[{"bucket":"b","extension":".jpg"}]""", "advanced_sync_rules[0].extension")]
    [InlineData("""{"bucket":["a/b/c",""]}""", "advanced_sync_rules")]
    [InlineData("""[{"bucket":""}]""", "advanced_sync_rules[0].bucket")]
    [InlineData("""[{"prefix":"a/"}]""", "advanced_sync_rules[0].bucket")]
    [InlineData("""[{"bucket":7}]""", "advanced_sync_rules[0].bucket")]
    [InlineData("""[{"bucket":"b","prefix":3}]""", "advanced_sync_rules[0].prefix")]
    [InlineData("""[{"bucket":"b","extension":[".pdf",1]}]""", "advanced_sync_rules[0].extension")]
    [InlineData("""[{"bucket":"b"},{"bucket":"b","depth":1}]""", "advanced_sync_rules[1].depth")]
    [InlineData("""["b"]""", "advanced_sync_rules[0]")]
    public void Advanced_rule_validation(string json, string? errorKey)
    {
        var errors = new List<ConfigurationError>();
        AdvancedRuleParser.Parse(JsonNode.Parse(json), errors);
        if (errorKey is null)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Contains(errors, e => e.Key == errorKey);
        }
    }

    private static IReadOnlyList<AdvancedRule> Advanced(string json)
    {
        var errors = new List<ConfigurationError>();
        var rules = AdvancedRuleParser.Parse(JsonNode.Parse(json), errors);
        Assert.Empty(errors);
        return rules;
    }

    [Theory]
    [InlineData("""[{"bucket":"b"},{"bucket":"b"}]""", "b:")]
    [InlineData("""[{"bucket":"b","prefix":"a/"},{"bucket":"b","prefix":"a/b/"}]""", "b:a/")]
    [InlineData("""[{"bucket":"b","prefix":"a/b/","extension":[".pdf"]},{"bucket":"b","prefix":"a/","extension":[".txt"]}]""", "b:a/")]
    [InlineData("""[{"bucket":"b","prefix":"a/"},{"bucket":"b","prefix":"c/"},{"bucket":"b","prefix":""}]""", "b:")]
    [InlineData("""[{"bucket":"b","prefix":"a/"},{"bucket":"c","prefix":"a/b/"},{"bucket":"b","prefix":"ab/"}]""", "b:a/|c:a/b/|b:ab/")]
    [InlineData("""[{"bucket":"b","prefix":"a"},{"bucket":"b","prefix":"ab/"},{"bucket":"b","prefix":"a"}]""", "b:a")]
    public void Overlapping_advanced_rules_share_one_listing(string json, string expected)
    {
        var targets = SyncRules.ListingTargets(Advanced(json));
        Assert.Equal(expected, string.Join("|", targets.Select(t => $"{t.Bucket}:{t.Prefix}")));
    }

    [Theory]
    [InlineData("b", "a/x.pdf", false)] // under a/ but only .txt there
    [InlineData("b", "a/x.TXT", true)]
    [InlineData("b", "a/b/x.pdf", true)] // the nested rule's own extensions
    [InlineData("b", "a/b/x.txt", true)] // and the outer rule's
    [InlineData("b", "a/b/x.csv", false)]
    [InlineData("b", "c/x.csv", false)] // no rule covers c/
    [InlineData("other", "a/x.txt", false)] // nor the other bucket
    public void A_key_passes_when_any_rule_of_its_bucket_covers_it(string bucket, string key, bool included)
    {
        var rules = new SyncRules(Advanced("""
            [{"bucket":"b","prefix":"a/b/","extension":["pdf"]},{"bucket":"b","prefix":"a/","extension":[".txt"]}]
            """), []);
        var decision = rules.Decide(Report with { Bucket = bucket, Key = key });
        Assert.Equal(included ? RuleVerdict.Include : RuleVerdict.Exclude, decision.Verdict);
    }

    [Fact]
    public void Advanced_and_basic_rules_both_apply_and_buckets_scope_the_events_path()
    {
        var rules = new SyncRules(Advanced("""[{"bucket":"b","prefix":"a/"}]"""),
            Basic(One("extension", "equals", ".tmp")));
        Assert.Equal(RuleVerdict.Include, rules.Decide(Report with { Bucket = "b", Key = "a/x.txt" }).Verdict);
        Assert.Equal(new RuleDecision(RuleVerdict.Exclude, "r1"), rules.Decide(Report with { Bucket = "b", Key = "a/x.tmp" }));

        var byBuckets = new SyncRules([], [], ["b"]);
        Assert.Equal(new RuleDecision(RuleVerdict.Exclude, "buckets"), byBuckets.Decide(Report with { Bucket = "c" }));
        Assert.Equal(RuleVerdict.Include, new SyncRules([], [], ["*"]).Decide(Report with { Bucket = "c" }).Verdict);
    }

    [Fact]
    public void Configuration_accepts_basic_rules_from_the_environment_and_reports_bad_ones_by_position()
    {
        var env = new Dictionary<string, string?>
        {
            ["S3C_BUCKETS"] = "b",
            ["S3C_INDEX_NAME"] = "docs",
            ["S3C_ELASTICSEARCH__HOST"] = "http://h",
            ["S3C_BASIC_SYNC_RULES"] = One("extension", "equals", ".tmp"),
        };
        var options = ConnectorConfiguration.Load(null, env);
        Assert.Equal("r1", Assert.Single(options.BasicSyncRules).Id);

        env["S3C_BASIC_SYNC_RULES"] = One("size_in_bytes", "<", "small");
        var error = Assert.Throws<ConfigurationException>(() => ConnectorConfiguration.Load(null, env));
        Assert.Equal("basic_sync_rules[0].value", Assert.Single(error.Errors).Key);
    }
}
