using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace S3Connector.Core.S3;

/// <summary>
/// Credentials of an assumed role, fetched from an STS client the caller configured. The SDK's
/// <see cref="AssumeRoleAWSCredentials"/> always builds its own STS client for the regional AWS endpoint, so with
/// <c>endpoint_url</c> (a local stack, or an S3-compatible store with its own STS) the role would be assumed against
/// real AWS. The base class caches the credentials and asks again shortly before they expire.
/// </summary>
internal sealed class AssumedRoleCredentials : RefreshingAWSCredentials
{
    private readonly IAmazonSecurityTokenService _sts;
    private readonly string _roleArn;
    private readonly string _sessionName;

    public AssumedRoleCredentials(IAmazonSecurityTokenService sts, string roleArn, string sessionName)
    {
        _sts = sts;
        _roleArn = roleArn;
        _sessionName = sessionName;
        // Refresh before a long request started with them can outlive them.
        PreemptExpiryTime = TimeSpan.FromMinutes(5);
    }

    // STS has only asynchronous calls on .NET; the SDK uses the synchronous path only for presigning.
    protected override CredentialsRefreshState GenerateNewCredentials() =>
        Task.Run(GenerateNewCredentialsAsync).GetAwaiter().GetResult();

    protected override async Task<CredentialsRefreshState> GenerateNewCredentialsAsync()
    {
        var response = await _sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = _roleArn, RoleSessionName = _sessionName })
            .ConfigureAwait(false);
        var credentials = response.Credentials;
        var expiration = credentials.Expiration ?? DateTime.UtcNow.AddHours(1);
        return new CredentialsRefreshState(
            new ImmutableCredentials(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken),
            expiration.ToUniversalTime());
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sts.Dispose();
        }

        base.Dispose(disposing);
    }
}
