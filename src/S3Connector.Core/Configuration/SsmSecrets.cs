using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using S3Connector.Core.S3;

namespace S3Connector.Core.Configuration;

/// <summary>Resolves <c>elasticsearch.api_key_ssm_parameter</c> (an SSM SecureString) into the API key, once at start.</summary>
public static class SsmSecrets
{
    public static async Task<ConnectorOptions> ResolveAsync(ConnectorOptions options, CancellationToken ct)
    {
        if (options.Elasticsearch.ApiKeySsmParameter is not { } name)
        {
            return options;
        }

        // The connector's own credentials and endpoint: with endpoint_url the parameter lives in that stack, and
        // explicit keys must not be silently replaced by whatever the default chain finds.
        var config = S3ClientFactory.Configure(new AmazonSimpleSystemsManagementConfig(), options, options.Region);
        using var ssm = S3ClientFactory.CreateCredentials(options) is { } credentials
            ? new AmazonSimpleSystemsManagementClient(credentials, config)
            : new AmazonSimpleSystemsManagementClient(config);
        try
        {
            var response = await ssm.GetParameterAsync(new GetParameterRequest { Name = name, WithDecryption = true }, ct);
            return options with { Elasticsearch = options.Elasticsearch with { ApiKey = new Secret(response.Parameter.Value) } };
        }
        catch (AmazonSimpleSystemsManagementException e)
        {
            throw new ConfigurationException([new ConfigurationError("elasticsearch.api_key_ssm_parameter",
                // The name is not echoed: users paste the key itself into this setting by mistake.
                $"the SSM parameter could not be read: {e.ErrorCode}")]);
        }
        catch (Amazon.Runtime.AmazonClientException e) when (!ct.IsCancellationRequested)
        {
            // No credentials, no network: the SDK's sentence names the cause and carries no parameter value.
            throw new ConfigurationException([new ConfigurationError("elasticsearch.api_key_ssm_parameter",
                $"the SSM parameter could not be read: {e.GetType().Name}: {e.Message}")]);
        }
    }
}
