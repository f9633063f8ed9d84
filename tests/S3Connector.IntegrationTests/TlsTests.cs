using System.Text.Json.Nodes;
using S3Connector.Core.Elasticsearch;
using S3Connector.EsTestServer;
using S3Connector.IntegrationTests.Infrastructure;
using S3Connector.Testing;

namespace S3Connector.IntegrationTests;

/// <summary>
/// A cluster behind its own certificate authority, as a self-managed Elasticsearch sets itself up: untrusted by
/// default with an error that says what to set, trusted through <c>ca_certs</c> or <c>ca_fingerprint</c>.
/// These run against an HTTPS test server of their own, also when ES_URL names a real cluster.
/// </summary>
public sealed class TlsTests(SyncStack stack) : IClassFixture<SyncStack>, IAsyncLifetime
{
    private readonly TestCertificates _certificates = TestCertificates.Create();
    private EsTestServerHost _server = null!;

    public async Task InitializeAsync() =>
        _server = await EsTestServerHost.StartAsync(new EsTestServerOptions
        {
            Certificate = _certificates.Server,
            CertificateChain = _certificates.Chain,
        });

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _certificates.Dispose();
    }

    private async Task<(string Index, string Config)> SetUpAsync(Action<JsonObject> trust)
    {
        var bucket = await stack.CreateBucketAsync("tls");
        await stack.PutManyAsync(bucket, Enumerable.Range(0, 5).Select(i => ($"doc {i}.txt", $"text {i}")));
        var index = SyncStack.NewName("tls");
        var config = stack.WriteConfig(index, [bucket], c =>
        {
            var es = new JsonObject { ["host"] = _server.Url.ToString() };
            trust(es);
            c["elasticsearch"] = es;
        });
        return (index, config);
    }

    /// <summary>The test reads the index through the same trust, so it checks what the sync wrote, not a log line.</summary>
    private async Task<long> CountAsync(string index)
    {
        var trust = ClusterTrust.FromFingerprint(_certificates.CaFingerprint);
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, chain, e) => trust.Validate(c, chain, e) };
        using var http = new HttpClient(handler) { BaseAddress = _server.Url };
        await http.PostAsync($"{index}/_refresh", null);
        var count = JsonNode.Parse(await http.GetStringAsync($"{index}/_count"))!["count"]!.GetValue<long>();
        return count;
    }

    [Fact]
    public async Task An_untrusted_certificate_fails_validate_with_what_to_set()
    {
        var (_, config) = await SetUpAsync(_ => { });

        var result = await SyncStack.RunCliAsync("validate", "--config", config);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is not trusted", result.Error, StringComparison.Ordinal);
        Assert.Contains("elasticsearch.ca_certs", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ca_certs_next_to_the_configuration_trusts_the_cluster_for_a_whole_sync()
    {
        var pem = Path.Combine(Path.GetTempPath(), $"ca-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(pem, _certificates.AuthorityPem);
        var (index, config) = await SetUpAsync(es => es["ca_certs"] = Path.GetFileName(pem));

        var validate = await SyncStack.RunCliAsync("validate", "--config", config);
        var sync = await SyncStack.RunCliAsync("sync", "--config", config);

        Assert.True(validate.ExitCode == 0, validate.Error);
        Assert.True(sync.ExitCode == 0, sync.Error);
        Assert.Equal(5, await CountAsync(index));
    }

    [Fact]
    public async Task The_ca_fingerprint_trusts_the_cluster_for_a_whole_sync()
    {
        var (index, config) = await SetUpAsync(es => es["ca_fingerprint"] = _certificates.CaFingerprint);

        var sync = await SyncStack.RunCliAsync("sync", "--config", config);

        Assert.True(sync.ExitCode == 0, sync.Error);
        Assert.Equal(5, await CountAsync(index));
    }

    [Fact]
    public async Task Another_ca_fingerprint_or_another_ca_is_not_trusted()
    {
        using var other = TestCertificates.Create("another CA");
        var (_, byFingerprint) = await SetUpAsync(es => es["ca_fingerprint"] = other.CaFingerprint);
        var (_, byCertificate) = await SetUpAsync(es => es["ca_certs"] = other.AuthorityPem);

        var fingerprint = await SyncStack.RunCliAsync("validate", "--config", byFingerprint);
        var certificate = await SyncStack.RunCliAsync("validate", "--config", byCertificate);

        Assert.Equal(1, fingerprint.ExitCode);
        Assert.Contains("is not trusted", fingerprint.Error, StringComparison.Ordinal);
        Assert.Equal(1, certificate.ExitCode);
        Assert.Contains("is not trusted", certificate.Error, StringComparison.Ordinal);
    }
}
