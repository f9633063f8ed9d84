using Amazon.SQS;
using S3Connector.Core.Configuration;
using S3Connector.Core.S3;

namespace S3Connector.Core.Queue;

/// <summary>
/// The work queue's SQS client, with the same credentials, timeouts and endpoint settings as the S3 clients, so that
/// <c>endpoint_url</c> points both at one local stack. Without <c>endpoint_url</c> the SDK still honours
/// <c>AWS_ENDPOINT_URL_SQS</c> / <c>AWS_ENDPOINT_URL</c>.
/// </summary>
public static class SqsClientFactory
{
    public static IAmazonSQS Create(ConnectorOptions options)
    {
        var config = S3ClientFactory.Configure(new AmazonSQSConfig(), options, options.Region);
        return S3ClientFactory.CreateCredentials(options) is { } credentials
            ? new AmazonSQSClient(credentials, config)
            : new AmazonSQSClient(config);
    }
}
