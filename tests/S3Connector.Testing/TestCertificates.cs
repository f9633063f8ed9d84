using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace S3Connector.Testing;

/// <summary>
/// A private certificate authority, an intermediate "HTTP CA" it signed and a server certificate for 127.0.0.1 signed
/// by that, made fresh per test run — the shape of a self-managed cluster's TLS (CAs nobody's trust store holds).
/// The intermediate exists because a .NET server never sends a root certificate, while Elasticsearch (Java) sends its
/// CA: with it the chain a client receives holds a CA certificate to match a fingerprint against, as from a real node.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(X509Certificate2 authority, X509Certificate2 intermediate, X509Certificate2 server)
    {
        Authority = authority;
        Intermediate = intermediate;
        Server = server;
    }

    /// <summary>The root CA, public part only.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The CA that signed <see cref="Server"/>, sent by the server with it.</summary>
    public X509Certificate2 Intermediate { get; }

    /// <summary>What the test server sends after its own certificate.</summary>
    public X509Certificate2Collection Chain => [Intermediate, Authority];

    /// <summary>The server certificate with its private key, for the test server.</summary>
    public X509Certificate2 Server { get; }

    public string AuthorityPem => Authority.ExportCertificatePem();

    /// <summary>The signing CA's SHA-256 fingerprint as Elasticsearch prints it: upper-case hex pairs joined by colons.</summary>
    public string CaFingerprint =>
        string.Join(':', SHA256.HashData(Intermediate.RawData).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));

    public static TestCertificates Create(string authorityName = "S3 connector test CA")
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={authorityName}", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var authorityWithKey = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var intermediateRequest = new CertificateRequest($"CN={authorityName} HTTP CA", intermediateKey, HashAlgorithmName.SHA256);
        intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        intermediateRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        intermediateRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(intermediateRequest.PublicKey, false));
        intermediateRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authorityWithKey, true, false));
        using var intermediateSigned = intermediateRequest.Create(authorityWithKey, now.AddDays(-1), now.AddDays(30), RandomNumberGenerator.GetBytes(16));
        using var intermediateWithKey = intermediateSigned.CopyWithPrivateKey(intermediateKey);

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(intermediateWithKey, true, false));
        using var signed = serverRequest.Create(intermediateWithKey, now.AddDays(-1), now.AddDays(29), RandomNumberGenerator.GetBytes(16));
        using var signedWithKey = signed.CopyWithPrivateKey(serverKey);

        // SslStream on Linux wants a key it can hand to OpenSSL; a PKCS#12 round trip gives one.
        var server = X509CertificateLoader.LoadPkcs12(signedWithKey.Export(X509ContentType.Pkcs12), null);
        return new TestCertificates(
            X509CertificateLoader.LoadCertificate(authorityWithKey.RawData),
            X509CertificateLoader.LoadCertificate(intermediateWithKey.RawData),
            server);
    }

    public void Dispose()
    {
        Authority.Dispose();
        Intermediate.Dispose();
        Server.Dispose();
    }
}
