using System.Collections.Concurrent;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.S3;
using Amazon.SecurityToken;
using S3Connector.Core.Configuration;

namespace S3Connector.Core.S3;

/// <summary>One S3 client per region, created once and reused for the life of the process.</summary>
public sealed class S3ClientFactory : IDisposable
{
    /// <summary>The role session name, so CloudTrail shows which calls the connector made.</summary>
    internal const string SessionName = "s3-lambda-connector";

    private readonly ConnectorOptions _options;
    private readonly AWSCredentials? _credentials;
    private readonly ConcurrentDictionary<string, IAmazonS3> _clients = new(StringComparer.Ordinal);

    public S3ClientFactory(ConnectorOptions options)
    {
        _options = options;
        _credentials = CreateCredentials(options);
    }

    public IAmazonS3 Default => For(_options.Region);

    public IAmazonS3 For(string? region) => _clients.GetOrAdd(
        _options.EndpointUrl is null ? region ?? _options.Region : _options.Region, Create);

    private IAmazonS3 Create(string region)
    {
        var config = Configure(new AmazonS3Config { ForcePathStyle = _options.ForcePathStyle }, _options, region);
        return _credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(_credentials, config);
    }

    /// <summary>Timeouts, retries and the endpoint (endpoint_url, or the region's) every AWS client of the connector shares.</summary>
    internal static T Configure<T>(T config, ConnectorOptions options, string region) where T : ClientConfig
    {
        config.Timeout = TimeSpan.FromSeconds(options.ReadTimeoutSeconds);
        config.ConnectTimeout = TimeSpan.FromSeconds(options.ConnectTimeoutSeconds);
        config.MaxErrorRetry = options.MaxAttempts;
        config.RetryMode = RequestRetryMode.Standard;
        if (options.EndpointUrl is { } endpoint)
        {
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return config;
    }

    /// <summary>Explicit keys, then the role to assume; null leaves the SDK's default chain (the Lambda role).</summary>
    internal static AWSCredentials? CreateCredentials(ConnectorOptions options)
    {
        AWSCredentials? baseCredentials = options switch
        {
            { AwsAccessKeyId: { } id, AwsSecretAccessKey: { } secret, AwsSessionToken: { } token } =>
                new SessionAWSCredentials(id, secret.Reveal(), token.Reveal()),
            { AwsAccessKeyId: { } id, AwsSecretAccessKey: { } secret } => new BasicAWSCredentials(id, secret.Reveal()),
            _ => null,
        };
        if (options.RoleArn is null)
        {
            return baseCredentials;
        }

        var chain = baseCredentials ?? DefaultAWSCredentialsIdentityResolver.GetCredentials();
        if (options.EndpointUrl is null)
        {
            return new AssumeRoleAWSCredentials(chain, options.RoleArn, SessionName);
        }

        // A local stack or S3-compatible store answers STS on endpoint_url too; real STS would not know its role.
        var sts = new AmazonSecurityTokenServiceClient(
            chain, Configure(new AmazonSecurityTokenServiceConfig(), options, options.Region));
        return new AssumedRoleCredentials(sts, options.RoleArn, SessionName);
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }
}
