using System.Text.Json.Nodes;
using S3Connector.Core.Configuration;

namespace S3Connector.Core.Rules;

/// <summary>CONTRACT §4 advanced rule: the bucket and prefix go to S3; extensions filter the listing.</summary>
public sealed record AdvancedRule(string Bucket, string Prefix, IReadOnlyList<string> Extensions)
{
    /// <summary>Case-insensitive, with or without the dot; an empty list matches every key.</summary>
    public bool MatchesExtension(string key)
    {
        if (Extensions.Count == 0)
        {
            return true;
        }

        var extension = Documents.ObjectKeys.Extension(key);
        return Extensions.Contains(extension, StringComparer.OrdinalIgnoreCase);
    }
}

public static class AdvancedRuleParser
{
    private const string Key = "advanced_sync_rules";

    public static IReadOnlyList<AdvancedRule> Parse(JsonNode? node, List<ConfigurationError> errors)
    {
        if (node is null)
        {
            return [];
        }

        if (node is JsonObject { Count: 0 })
        {
            return [];
        }

        if (node is not JsonArray array)
        {
            errors.Add(new ConfigurationError(Key, "must be a list of rule objects"));
            return [];
        }

        var rules = new List<AdvancedRule>();
        for (var i = 0; i < array.Count; i++)
        {
            var at = $"{Key}[{i}]";
            if (array[i] is not JsonObject rule)
            {
                errors.Add(new ConfigurationError(at, "must be an object like {\"bucket\": \"name\", \"prefix\": \"a/\", \"extension\": [\".pdf\"]}"));
                continue;
            }

            var valid = true;
            foreach (var (name, _) in rule)
            {
                if (name is not ("bucket" or "prefix" or "extension"))
                {
                    errors.Add(new ConfigurationError($"{at}.{name}", "unknown key (allowed: bucket, prefix, extension)"));
                    valid = false;
                }
            }

            var bucket = StringValue(rule["bucket"]);
            if (string.IsNullOrWhiteSpace(bucket))
            {
                errors.Add(new ConfigurationError($"{at}.bucket", "required, a non-empty string"));
                valid = false;
            }

            var prefix = "";
            if (rule["prefix"] is { } prefixNode)
            {
                if (StringValue(prefixNode) is { } p)
                {
                    prefix = p;
                }
                else
                {
                    errors.Add(new ConfigurationError($"{at}.prefix", "must be a string"));
                    valid = false;
                }
            }

            var extensions = new List<string>();
            if (rule["extension"] is { } extensionNode)
            {
                if (extensionNode is JsonArray list && list.All(e => StringValue(e) is not null))
                {
                    extensions.AddRange(list.Select(e => Normalize(StringValue(e)!)).Where(e => e.Length > 1));
                }
                else
                {
                    errors.Add(new ConfigurationError($"{at}.extension", "must be a list of strings such as [\".pdf\", \"txt\"]"));
                    valid = false;
                }
            }

            if (valid)
            {
                rules.Add(new AdvancedRule(bucket!.Trim(), prefix, extensions.Distinct(StringComparer.OrdinalIgnoreCase).ToList()));
            }
        }

        return rules;
    }

    private static string Normalize(string extension)
    {
        var trimmed = extension.Trim().ToLowerInvariant();
        return trimmed.StartsWith('.') ? trimmed : "." + trimmed;
    }

    private static string? StringValue(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;
}
