using System.Text.Json.Nodes;
using S3Connector.Core.Configuration;

namespace S3Connector.Core.Rules;

/// <summary>CONTRACT §4 basic rule. Evaluation arrives with the sync-rules work; until then any rule is refused.</summary>
public sealed record BasicRule(string Id, bool Include, string Field, string Rule, string Value, int Order);

public static class BasicRuleParser
{
    public static IReadOnlyList<BasicRule> Parse(JsonNode? node, List<ConfigurationError> errors)
    {
        if (node is null || node is JsonArray { Count: 0 })
        {
            return [];
        }

        // Refusing beats silently indexing what a user asked to exclude.
        errors.Add(new ConfigurationError("basic_sync_rules", "basic sync rules are not supported by this version yet; use advanced_sync_rules or remove the key"));
        return [];
    }
}
