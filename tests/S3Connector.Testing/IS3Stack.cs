using Amazon.S3;
using Amazon.SQS;

namespace S3Connector.Testing;

/// <summary>
/// An S3 + SQS emulator a test suite runs against: fauxqs (<see cref="LocalStack"/>) or moto (<see cref="MotoServer"/>),
/// so the same scenarios check the connector against two independent implementations of S3.
/// </summary>
public interface IS3Stack : IAsyncDisposable
{
    /// <summary>Base address of every service it emulates, e.g. http://127.0.0.1:41234/.</summary>
    Uri Endpoint { get; }

    /// <summary>The keys its clients sign with (the connector's <c>aws_access_key_id</c> / <c>aws_secret_access_key</c>).</summary>
    (string AccessKey, string SecretKey) Keys { get; }

    IAmazonS3 CreateS3Client(Action<AmazonS3Config>? configure = null);

    IAmazonSQS CreateSqsClient(Action<AmazonSQSConfig>? configure = null);
}
