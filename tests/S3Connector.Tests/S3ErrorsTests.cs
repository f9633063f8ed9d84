using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using S3Connector.Core.S3;

namespace S3Connector.Tests;

public sealed class S3ErrorsTests
{
    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, "SlowDown", true)]
    [InlineData(HttpStatusCode.InternalServerError, "InternalError", true)]
    [InlineData(HttpStatusCode.TooManyRequests, "", true)]
    [InlineData(HttpStatusCode.NotImplemented, "NotImplemented", false)]
    [InlineData(HttpStatusCode.Forbidden, "AccessDenied", false)]
    [InlineData(HttpStatusCode.NotFound, "NoSuchBucket", false)]
    public void S3_answers_are_retried_only_when_a_later_try_can_succeed(HttpStatusCode status, string code, bool retryable)
    {
        var e = new AmazonS3Exception("answer", ErrorType.Sender, code, "req", status);
        Assert.Equal(retryable, S3Errors.IsRetryable(e));
    }

    [Fact]
    public void A_client_error_is_retried_only_when_the_network_failed_under_it()
    {
        Assert.False(S3Errors.IsRetryable(new AmazonClientException("Failed to resolve AWS credentials")));
        Assert.True(S3Errors.IsRetryable(new AmazonClientException("request failed", new HttpRequestException("connection reset"))));
        Assert.True(S3Errors.IsRetryable(new AmazonClientException("request failed", new Exception("outer", new IOException("broken pipe")))));
    }
}
