using S3Connector.Core.Configuration;
using S3Connector.Testing;

namespace S3Connector.Tests;

/// <summary><c>elasticsearch.ca_certs</c> and <c>elasticsearch.ca_fingerprint</c>: what is accepted and how a bad value is named.</summary>
public sealed class ClusterTrustConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("s3c-trust").FullName;
    private readonly TestCertificates _certificates = TestCertificates.Create();

    private string Config(string esExtra, string host = "https://127.0.0.1:9200")
    {
        var path = Path.Combine(_dir, Guid.NewGuid() + ".json");
        File.WriteAllText(path, $$"""{"buckets":["a"],"index_name":"docs","elasticsearch":{"host":"{{host}}"{{esExtra}}""" + "}}");
        return path;
    }

    private static Dictionary<string, string?> NoEnvironment() => [];

    private static ConfigurationError SingleError(Action load)
    {
        var error = Assert.Throws<ConfigurationException>(load);
        return Assert.Single(error.Errors);
    }

    [Fact]
    public void A_relative_ca_certs_path_is_read_next_to_the_configuration_file()
    {
        File.WriteAllText(Path.Combine(_dir, "http_ca.crt"), _certificates.AuthorityPem);

        var options = ConnectorConfiguration.Load(Config(""","ca_certs":"http_ca.crt" """), NoEnvironment());

        Assert.NotNull(options.Elasticsearch.Trust);
    }

    [Fact]
    public void Ca_certs_may_be_the_pem_text_itself_as_an_environment_variable_carries_it()
    {
        var options = ConnectorConfiguration.Load(null, new Dictionary<string, string?>
        {
            ["S3C_BUCKETS"] = "a",
            ["S3C_INDEX_NAME"] = "docs",
            ["S3C_ELASTICSEARCH__HOST"] = "https://es.internal:9200",
            ["S3C_ELASTICSEARCH__CA_CERTS"] = _certificates.AuthorityPem,
        });

        Assert.NotNull(options.Elasticsearch.Trust);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_fingerprint_is_accepted_with_or_without_colons(bool colons)
    {
        var fingerprint = colons ? _certificates.CaFingerprint : _certificates.CaFingerprint.Replace(":", "", StringComparison.Ordinal).ToLowerInvariant();

        var options = ConnectorConfiguration.Load(Config($$""","ca_fingerprint":"{{fingerprint}}" """), NoEnvironment());

        Assert.NotNull(options.Elasticsearch.Trust);
    }

    [Fact]
    public void A_missing_ca_file_is_named()
    {
        var error = SingleError(() => ConnectorConfiguration.Load(Config(""","ca_certs":"no-such.pem" """), NoEnvironment()));

        Assert.Equal("elasticsearch.ca_certs", error.Key);
        Assert.Contains("no-such.pem", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_without_a_certificate_is_named()
    {
        File.WriteAllText(Path.Combine(_dir, "empty.pem"), "not a certificate\n");

        var error = SingleError(() => ConnectorConfiguration.Load(Config(""","ca_certs":"empty.pem" """), NoEnvironment()));

        Assert.Equal("elasticsearch.ca_certs", error.Key);
        Assert.Contains("no PEM CERTIFICATE", error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AB:CD")]
    [InlineData("zz00000000000000000000000000000000000000000000000000000000000000")]
    public void A_malformed_fingerprint_is_named(string fingerprint)
    {
        var error = SingleError(() => ConnectorConfiguration.Load(Config($$""","ca_fingerprint":"{{fingerprint}}" """), NoEnvironment()));

        Assert.Equal("elasticsearch.ca_fingerprint", error.Key);
        Assert.Contains("64 hex digits", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_trusted_ca_on_a_plain_http_host_is_refused()
    {
        var error = SingleError(() => ConnectorConfiguration.Load(
            Config($$""","ca_fingerprint":"{{_certificates.CaFingerprint}}" """, host: "http://127.0.0.1:9200"), NoEnvironment()));

        Assert.Equal("elasticsearch.ca_fingerprint", error.Key);
        Assert.Contains("https://", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Ca_certs_and_a_fingerprint_together_are_refused()
    {
        var error = SingleError(() => ConnectorConfiguration.Load(
            Config($$""","ca_certs":{{System.Text.Json.JsonSerializer.Serialize(_certificates.AuthorityPem, S3Connector.Core.Json.ConnectorJson.Default.String)}},"ca_fingerprint":"{{_certificates.CaFingerprint}}" """),
            NoEnvironment()));

        Assert.Contains("not both", error.Problem, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _certificates.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
