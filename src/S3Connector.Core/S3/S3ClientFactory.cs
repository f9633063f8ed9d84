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
        var config = new AmazonS3Config
        {
            ForcePathStyle = _options.ForcePathStyle,
            Timeout = TimeSpan.FromSeconds(_options.ReadTimeoutSeconds),
            ConnectTimeout = TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds),
            MaxErrorRetry = _options.MaxAttempts,
            RetryMode = RequestRetryMode.Standard,
        };
        if (_options.EndpointUrl is { } endpoint)
        {
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return _credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(_credentials, config);
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
        return new AssumeRoleAWSCredentials(chain, options.RoleArn, "s3-lambda-connector");
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }
}
