using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace S3Connector.Core.Elasticsearch;

/// <summary>
/// Trust in a self-managed cluster's own certificate authority, beside the machine's trust store: the CA
/// certificates of <c>elasticsearch.ca_certs</c>, or the SHA-256 fingerprint of <c>elasticsearch.ca_fingerprint</c>
/// (what Elasticsearch prints at its first start and what Elastic's own clients accept).
/// </summary>
public sealed class ClusterTrust
{
    private readonly X509Certificate2Collection? _authorities;
    private readonly byte[]? _fingerprint;

    private ClusterTrust(X509Certificate2Collection? authorities, byte[]? fingerprint)
    {
        _authorities = authorities;
        _fingerprint = fingerprint;
    }

    /// <summary>The CA certificates a chain may end at (a PEM bundle: one or more CERTIFICATE blocks).</summary>
    public static ClusterTrust FromPem(string pem)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPem(pem);
        if (certificates.Count == 0)
        {
            throw new FormatException("holds no PEM CERTIFICATE block");
        }

        return new ClusterTrust(certificates, null);
    }

    /// <summary>64 hex digits, colons allowed (as <c>openssl x509 -fingerprint -sha256</c> prints them).</summary>
    public static ClusterTrust FromFingerprint(string hex)
    {
        var digits = hex.Replace(":", "", StringComparison.Ordinal).Trim();
        if (digits.Length != SHA256.HashSizeInBytes * 2 || !digits.All(char.IsAsciiHexDigit))
        {
            throw new FormatException("must be a SHA-256 fingerprint: 64 hex digits, colons allowed");
        }

        return new ClusterTrust(null, Convert.FromHexString(digits));
    }

    /// <summary>
    /// Chains the machine already trusts pass as they are. Otherwise, with CA certificates, the server's certificate
    /// must chain to one of them and name the host; with a fingerprint, some certificate of the chain the server sent
    /// must have that fingerprint — the host name is not checked then, as in Elastic's own clients, because the
    /// fingerprint pins the cluster's private CA.
    /// </summary>
    public bool Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        using var leaf = new X509Certificate2(certificate);
        if (_fingerprint is { } pinned)
        {
            return chain is not null && chain.ChainElements.Any(element =>
                CryptographicOperations.FixedTimeEquals(SHA256.HashData(element.Certificate.RawData), pinned))
                || CryptographicOperations.FixedTimeEquals(SHA256.HashData(leaf.RawData), pinned);
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_authorities!);
        // A private CA publishes no revocation list the Lambda could reach.
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return custom.Build(leaf);
    }
}
