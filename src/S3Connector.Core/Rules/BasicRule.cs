using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using S3Connector.Core.Configuration;

namespace S3Connector.Core.Rules;

/// <summary>The seven operators of CONTRACT §4 (the original's stored strings are the JSON names).</summary>
public enum BasicRuleOperator
{
    Equals,
    Contains,
    StartsWith,
    EndsWith,
    Regex,
    LessThan,
    GreaterThan,
}

/// <summary>How a document field compares with <c>&lt;</c>, <c>&gt;</c> and <c>equals</c>.</summary>
public enum FieldKind
{
    Text,
    Number,
    Date,
}

/// <summary>A document field a basic rule may name, and whether its value is known from the listing alone.</summary>
public sealed record RuleField(string Name, FieldKind Kind, bool KnownAtListing)
{
    /// <summary>CONTRACT §2 fields. content_type and body exist only once the object was fetched.</summary>
    public static readonly IReadOnlyDictionary<string, RuleField> All = new[]
    {
        new RuleField("id", FieldKind.Text, true),
        new RuleField("filename", FieldKind.Text, true),
        new RuleField("bucket", FieldKind.Text, true),
        new RuleField("size_in_bytes", FieldKind.Number, true),
        new RuleField("owner", FieldKind.Text, true),
        new RuleField("storage_class", FieldKind.Text, true),
        new RuleField("_timestamp", FieldKind.Date, true),
        new RuleField("url", FieldKind.Text, true),
        new RuleField("etag", FieldKind.Text, true),
        new RuleField("extension", FieldKind.Text, true),
        new RuleField("content_type", FieldKind.Text, false),
        new RuleField("body", FieldKind.Text, false),
    }.ToDictionary(f => f.Name, StringComparer.Ordinal);
}

/// <summary>What a matching basic rule does with the object (the rule's <c>policy</c>).</summary>
public enum RulePolicy
{
    Include,
    Exclude,
}

/// <summary>
/// CONTRACT §4 basic rule, validated and ready to evaluate: the value is coerced once here (number, date, regex) so
/// evaluating a rule on an object parses nothing.
/// </summary>
public sealed record BasicRule(
    string Id,
    RulePolicy Policy,
    RuleField Field,
    BasicRuleOperator Operator,
    string Value,
    double Order,
    int Position)
{
    public const string DefaultRuleId = "DEFAULT";

    /// <summary>A ReDoS pattern must not stall a worker; a timed-out match excludes the object (see SyncRules).</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);

    public double? Number { get; init; }
    public DateTimeOffset? Date { get; init; }
    public Regex? Pattern { get; init; }
}

/// <summary>
/// Validates <c>basic_sync_rules</c> like the original (schema, no match-all regex outside DEFAULT, no two rules with
/// the same field, rule and value) plus what the original discovered only while syncing: invalid regexes, unknown
/// fields, and values that cannot be compared as the field's type. One validator for the file, the environment and
/// (later) the Connector API, so every source reports the same errors.
/// </summary>
public static class BasicRuleParser
{
    private const string Key = "basic_sync_rules";

    private static readonly string[] AllowedKeys = ["id", "policy", "field", "rule", "value", "order", "created_at", "updated_at"];

    // The original refuses exactly ".*" and "(.*)"; the anchored spellings are the same rule in disguise.
    private static readonly HashSet<string> MatchAll = new(StringComparer.Ordinal) { ".*", "(.*)", "^.*", "^.*$", ".*$", "^(.*)$" };

    public static IReadOnlyList<BasicRule> Parse(JsonNode? node, List<ConfigurationError> errors)
    {
        if (node is null || node is JsonArray { Count: 0 } || node is JsonObject { Count: 0 })
        {
            return [];
        }

        if (node is not JsonArray array)
        {
            errors.Add(new ConfigurationError(Key, "must be a list of rule objects"));
            return [];
        }

        var rules = new List<BasicRule>();
        for (var i = 0; i < array.Count; i++)
        {
            if (ParseRule(array[i], i, errors) is { } rule)
            {
                rules.Add(rule);
            }
        }

        ReportDuplicates(rules, errors);
        return rules;
    }

    private static BasicRule? ParseRule(JsonNode? node, int position, List<ConfigurationError> errors)
    {
        var at = $"{Key}[{position}]";
        if (node is not JsonObject obj)
        {
            errors.Add(new ConfigurationError(at,
                "must be an object like {\"id\": \"r1\", \"policy\": \"exclude\", \"field\": \"extension\", \"rule\": \"equals\", \"value\": \".tmp\", \"order\": 1}"));
            return null;
        }

        var before = errors.Count;
        foreach (var (name, _) in obj)
        {
            if (!AllowedKeys.Contains(name, StringComparer.Ordinal))
            {
                errors.Add(new ConfigurationError($"{at}.{name}", $"unknown key (allowed: {string.Join(", ", AllowedKeys)})"));
            }
        }

        var id = RequiredString(obj, "id", at, errors);
        var named = id is null ? "" : $"rule '{id}': ";

        var policyText = RequiredString(obj, "policy", at, errors, named);
        if (id == BasicRule.DefaultRuleId)
        {
            // Never evaluated (no match already means include), and Kibana stores it with field "_": only its policy matters.
            if (policyText is not null && !policyText.Equals("include", StringComparison.OrdinalIgnoreCase))
            {
                Add(errors, at, "policy", named, "the DEFAULT rule always includes (a document no rule matches is included); exclude with a rule of your own");
            }

            return null;
        }

        var policy = RulePolicy.Exclude;
        if (policyText is not null)
        {
            switch (policyText.ToLowerInvariant())
            {
                case "include":
                    policy = RulePolicy.Include;
                    break;
                case "exclude":
                    break;
                default:
                    Add(errors, at, "policy", named, $"'{policyText}' is not a policy (use include or exclude)");
                    break;
            }
        }

        var fieldName = RequiredString(obj, "field", at, errors, named);
        RuleField? field = null;
        if (fieldName is not null && !RuleField.All.TryGetValue(fieldName, out field))
        {
            Add(errors, at, "field", named, $"unknown document field '{fieldName}' (known: {string.Join(", ", RuleField.All.Keys)})");
        }

        var operatorText = RequiredString(obj, "rule", at, errors, named);
        BasicRuleOperator? op = null;
        if (operatorText is not null)
        {
            op = ParseOperator(operatorText);
            if (op is null)
            {
                Add(errors, at, "rule", named, $"'{operatorText}' is not a rule (use equals, contains, starts_with, ends_with, regex, < or >)");
            }
        }

        var value = RequiredString(obj, "value", at, errors, named);
        var order = ReadOrder(obj["order"]);
        if (order is null)
        {
            Add(errors, at, "order", named, "required, a number (rules run in ascending order)");
        }

        if (errors.Count > before || id is null || field is null || op is null || value is null)
        {
            return null;
        }

        var rule = new BasicRule(id, policy, field, op.Value, value, order!.Value, position);
        return Coerce(rule, at, named, errors);
    }

    private static BasicRule? Coerce(BasicRule rule, string at, string named, List<ConfigurationError> errors)
    {
        switch (rule.Operator)
        {
            case BasicRuleOperator.Regex:
                if (MatchAll.Contains(rule.Value.Trim()))
                {
                    Add(errors, at, "value", named, $"'{rule.Value}' matches everything, which only the DEFAULT rule may do");
                    return null;
                }

                try
                {
                    // Compiled alone first: wrapped, a value like "a)|(b" would parse, and its second branch escape the anchor.
                    _ = new Regex(rule.Value, RegexOptions.CultureInvariant, BasicRule.RegexTimeout);
                    // \G anchors at the start like Python's re.match, without requiring a full match.
                    var pattern = new Regex(@"\G(?:" + rule.Value + ")", RegexOptions.CultureInvariant, BasicRule.RegexTimeout);
                    return rule with { Pattern = pattern };
                }
                catch (ArgumentException e)
                {
                    Add(errors, at, "value", named, $"'{rule.Value}' is not a valid regular expression: {e.Message}");
                    return null;
                }

            case BasicRuleOperator.Equals or BasicRuleOperator.LessThan or BasicRuleOperator.GreaterThan
                when rule.Field.Kind == FieldKind.Number:
                if (double.TryParse(rule.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                {
                    return rule with { Number = number };
                }

                Add(errors, at, "value", named, $"'{rule.Value}' is not a number, and {rule.Field.Name} compares as a number");
                return null;

            case BasicRuleOperator.Equals or BasicRuleOperator.LessThan or BasicRuleOperator.GreaterThan
                when rule.Field.Kind == FieldKind.Date:
                if (DateTimeOffset.TryParse(rule.Value, CultureInfo.InvariantCulture,
                        DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date))
                {
                    return rule with { Date = date };
                }

                Add(errors, at, "value", named, $"'{rule.Value}' is not a date, and {rule.Field.Name} compares as a date (e.g. 2026-01-31 or 2026-01-31T12:00:00Z)");
                return null;

            default:
                return rule;
        }
    }

    private static void ReportDuplicates(List<BasicRule> rules, List<ConfigurationError> errors)
    {
        // Like the original, both rules of a pair are invalid: which one the user meant is theirs to say.
        foreach (var group in rules.GroupBy(r => (r.Field.Name, r.Operator, r.Value)).Where(g => g.Count() > 1))
        {
            foreach (var rule in group)
            {
                var others = string.Join(", ", group.Where(o => o != rule).Select(o => $"{Key}[{o.Position}]"));
                errors.Add(new ConfigurationError($"{Key}[{rule.Position}]",
                    $"rule '{rule.Id}': same field, rule and value as {others}"));
            }
        }

        foreach (var group in rules.GroupBy(r => r.Id, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            foreach (var rule in group)
            {
                var others = string.Join(", ", group.Where(o => o != rule).Select(o => $"{Key}[{o.Position}]"));
                errors.Add(new ConfigurationError($"{Key}[{rule.Position}].id", $"rule '{rule.Id}': the id is also used by {others}"));
            }
        }
    }

    private static double? ReadOrder(JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            return null;
        }

        if (value.TryGetValue<double>(out var number))
        {
            return number;
        }

        // A number written as a string is common in hand-written environment JSON.
        return value.TryGetValue<string>(out var text)
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number) ? number : null;
    }

    private static BasicRuleOperator? ParseOperator(string text) => text.Trim().ToLowerInvariant() switch
    {
        "equals" => BasicRuleOperator.Equals,
        "contains" => BasicRuleOperator.Contains,
        "starts_with" => BasicRuleOperator.StartsWith,
        "ends_with" => BasicRuleOperator.EndsWith,
        "regex" => BasicRuleOperator.Regex,
        "<" or "less_than" => BasicRuleOperator.LessThan,
        ">" or "greater_than" => BasicRuleOperator.GreaterThan,
        _ => null,
    };

    private static string? RequiredString(JsonObject obj, string name, string at, List<ConfigurationError> errors, string named = "")
    {
        if (obj[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0)
        {
            return text;
        }

        Add(errors, at, name, named, "required, a non-empty string");
        return null;
    }

    private static void Add(List<ConfigurationError> errors, string at, string name, string named, string? problem)
    {
        if (problem is not null)
        {
            errors.Add(new ConfigurationError($"{at}.{name}", named + problem));
        }
    }
}
