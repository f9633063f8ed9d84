using System.Net;
using Amazon.S3;

namespace S3Connector.Core.S3;

public static class S3Errors
{
    /// <summary>True when the same call can succeed later: throttling, 5xx and network faults.</summary>
    public static bool IsRetryable(Exception e) => e switch
    {
        AmazonS3Exception s3 => IsRetryableStatus(s3.StatusCode)
                                || s3.ErrorCode is "SlowDown" or "RequestTimeout" or "Throttling" or "InternalError",
        Amazon.Runtime.AmazonServiceException service => IsRetryableStatus(service.StatusCode)
                                                         || service.InnerException is { } inner && IsTransport(inner),
        HttpRequestException or IOException or TimeoutException => true,
        TaskCanceledException => true,
        // A client error is retryable only when the network failed under it: missing credentials or a bad endpoint
        // fail the same way every time.
        Amazon.Runtime.AmazonClientException client => client.InnerException is { } cause && IsTransport(cause),
        _ => false,
    };

    /// <summary>429 and the 5xx that mean "try again"; 501 Not Implemented never succeeds later.</summary>
    private static bool IsRetryableStatus(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests || status >= HttpStatusCode.InternalServerError && status != HttpStatusCode.NotImplemented;

    private static bool IsTransport(Exception e) => e switch
    {
        HttpRequestException or IOException or TimeoutException or System.Net.Sockets.SocketException or TaskCanceledException => true,
        { InnerException: { } inner } => IsTransport(inner),
        _ => false,
    };

    public static bool IsNotFound(Exception e) =>
        e is AmazonS3Exception { StatusCode: HttpStatusCode.NotFound } s && s.ErrorCode is "NoSuchKey" or "NotFound" or null or "";

    /// <summary>403 InvalidObjectState: the object is in an archive tier and must be restored before it can be read.</summary>
    public static bool IsArchived(Exception e) => e is AmazonS3Exception { ErrorCode: "InvalidObjectState" };

    public static bool IsNoSuchBucket(Exception e) => e is AmazonS3Exception { ErrorCode: "NoSuchBucket" };

    /// <summary>A one-sentence description safe for logs and users: S3's error code and message, never credentials.</summary>
    public static string Describe(Exception e) => e switch
    {
        AmazonS3Exception s3 => $"S3 answered {(int)s3.StatusCode} {s3.ErrorCode}: {s3.Message}",
        Amazon.Runtime.AmazonServiceException service => $"AWS answered {(int)service.StatusCode} {service.ErrorCode}: {service.Message}",
        // Already one sentence naming bucket and prefix; the type name would add nothing for a user.
        TruncatedListingException => e.Message.TrimEnd('.'),
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}
