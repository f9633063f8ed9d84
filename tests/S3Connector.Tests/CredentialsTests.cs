using Amazon.Runtime;
using S3Connector.Core.Configuration;
using S3Connector.Core.S3;

namespace S3Connector.Tests;

public sealed class CredentialsTests
{
    private static ConnectorOptions Options(string? endpointUrl)
    {
        var env = new Dictionary<string, string?>
        {
            ["S3C_BUCKETS"] = "a",
            ["S3C_INDEX_NAME"] = "docs",
            ["S3C_ELASTICSEARCH__HOST"] = "http://localhost:9200",
            ["S3C_AWS_ACCESS_KEY_ID"] = "AKIAEXAMPLE",
            ["S3C_AWS_SECRET_ACCESS_KEY"] = "secret",
            ["S3C_ROLE_ARN"] = "arn:aws:iam::123456789012:role/x",
        };
        if (endpointUrl is not null)
        {
            env["S3C_ENDPOINT_URL"] = endpointUrl;
        }

        return ConnectorConfiguration.Load(null, env);
    }

    [Fact]
    public void Without_endpoint_url_the_role_is_assumed_through_the_sdks_regional_sts()
    {
        Assert.IsType<AssumeRoleAWSCredentials>(S3ClientFactory.CreateCredentials(Options(null)));
    }

    [Fact]
    public void With_endpoint_url_the_role_is_assumed_through_sts_at_that_endpoint()
    {
        Assert.IsType<AssumedRoleCredentials>(S3ClientFactory.CreateCredentials(Options("http://127.0.0.1:5000")));
    }
}
