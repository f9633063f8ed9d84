using S3Connector.Core.Configuration;
using S3Connector.Testing;

namespace S3Connector.Tests;

/// <summary>The one list of keys, checked against what reads it and what documents it.</summary>
public sealed class ConfigurationKeysTests
{
    [Fact]
    public void The_readme_names_every_key()
    {
        var readme = File.ReadAllText(Path.Combine(LocalStack.RepoRoot, "README.md"));
        var missing = ConfigurationKeys.All.Where(k => !readme.Contains($"`{k.Name}`", StringComparison.Ordinal)).Select(k => k.Name).ToList();
        Assert.True(missing.Count == 0, "README.md does not name: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_key_is_known_to_the_loader_through_its_environment_variable()
    {
        // An unknown S3C_ variable is an error naming it; none of the listed keys may be one.
        var environment = ConfigurationKeys.All.ToDictionary(k => k.EnvironmentVariable, _ => (string?)"");
        environment["S3C_BUCKETS"] = "b";
        environment["S3C_INDEX_NAME"] = "docs";
        environment["S3C_ELASTICSEARCH__HOST"] = "https://127.0.0.1:9200";

        var error = Record.Exception(() => ConnectorConfiguration.Load(null, environment));

        var unknown = error is ConfigurationException c ? c.Errors.Where(e => e.Problem.Contains("unknown", StringComparison.Ordinal)).ToList() : [];
        Assert.Empty(unknown);
    }

    [Fact]
    public void Secret_keys_are_the_credentials_and_what_users_mistake_for_one()
    {
        Assert.Equal(
            ["S3C_AWS_SECRET_ACCESS_KEY", "S3C_AWS_SESSION_TOKEN", "S3C_ELASTICSEARCH__API_KEY", "S3C_ELASTICSEARCH__API_KEY_SSM_PARAMETER", "S3C_ELASTICSEARCH__PASSWORD"],
            ConfigurationKeys.SecretVariables.Order(StringComparer.Ordinal));
    }
}
