using System.Security.Cryptography.X509Certificates;

namespace S3Connector.EsTestServer;

/// <summary>Options of an <see cref="EsTestServerHost"/>.</summary>
public sealed class EsTestServerOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free port.</summary>
    public int Port { get; init; }

    /// <summary>
    /// When set, every request must carry <c>Authorization: ApiKey &lt;value&gt;</c>; others get ES's 401
    /// security_exception. The value is compared as sent (usually base64 of "id:key").
    /// </summary>
    public string? ApiKey { get; init; }

    /// <summary>
    /// Periodic refresh of indices with pending changes (ES's index.refresh_interval, default 1s).
    /// Null disables it: writes then become searchable only through refresh=true|wait_for or _refresh.
    /// An index's own refresh_interval setting overrides this.
    /// </summary>
    public TimeSpan? RefreshInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest accepted request body as sent on the wire (ES's http.max_content_length); above it, 413.</summary>
    public long MaxRequestBodyBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary>How many requests <see cref="EsTestServerHost.Requests"/> keeps; older ones are dropped first.</summary>
    public int MaxRecordedRequests { get; init; } = 10_000;

    /// <summary>
    /// When set, the server speaks HTTPS with this certificate (with its private key), as a secured cluster does.
    /// </summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>Intermediate and CA certificates sent after <see cref="Certificate"/> (Elasticsearch's http.p12 sends its CA).</summary>
    public X509Certificate2Collection? CertificateChain { get; init; }
}
