using S3Connector.Core.Configuration;

namespace S3Connector.Tests;

public sealed class ConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("s3c-config").FullName;

    private string File(string json)
    {
        var path = Path.Combine(_dir, Guid.NewGuid() + ".json");
        System.IO.File.WriteAllText(path, json);
        return path;
    }

    private static Dictionary<string, string?> Env(params (string, string)[] pairs) =>
        pairs.ToDictionary(p => p.Item1, p => (string?)p.Item2);

    [Fact]
    public void Minimal_file_gets_the_original_defaults()
    {
        var options = ConnectorConfiguration.Load(
            File("""{"buckets":["a","b"],"index_name":"docs","elasticsearch":{"host":"http://localhost:9200"}}"""), Env());

        Assert.Equal(["a", "b"], options.Buckets);
        Assert.Equal(100, options.PageSize);
        Assert.Equal(5, options.MaxAttempts);
        Assert.Equal(90, options.ReadTimeoutSeconds);
        Assert.Equal(10_485_760, options.MaxFileSize);
        Assert.Equal(ExtractionMode.Local, options.Extraction);
        Assert.Equal("search-default-ingestion", options.Pipeline);
        Assert.Equal("us-east-1", options.Region);
        Assert.False(options.ForcePathStyle);
    }

    [Fact]
    public void Credentials_in_the_host_move_to_basic_authentication_and_never_stay_in_the_url()
    {
        var options = ConnectorConfiguration.Load(null, Env(
            ("S3C_BUCKETS", "a"), ("S3C_INDEX_NAME", "docs"), ("S3C_ELASTICSEARCH__HOST", "https://elastic:p%40ss-w0rd@es.example:9243")));

        Assert.Equal("https://es.example:9243/", options.Elasticsearch.Host.ToString());
        Assert.Empty(options.Elasticsearch.Host.UserInfo);
        Assert.Equal("elastic", options.Elasticsearch.Username);
        Assert.Equal("p@ss-w0rd", options.Elasticsearch.Password!.Reveal());
        Assert.DoesNotContain("w0rd", options.Elasticsearch.Host.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://elastic:hunter2secret@es.example:9243", ""","api_key":"abc" """)]
    [InlineData("htps//elastic:hunter2secret@es.example", "")]
    [InlineData("ftp://elastic:hunter2secret@es.example", "")]
    public void A_host_error_never_echoes_the_host(string host, string extra)
    {
        var error = Assert.Throws<ConfigurationException>(() => ConnectorConfiguration.Load(
            File("""{"buckets":["a"],"index_name":"docs","elasticsearch":{"host":""" + "\"" + host + "\"" + extra + "}}"), Env()));

        Assert.Contains("elasticsearch.host", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_overrides_the_file_and_accepts_comma_lists()
    {
        var options = ConnectorConfiguration.Load(
            File("""{"buckets":["a"],"index_name":"docs","page_size":10,"elasticsearch":{"host":"http://localhost:9200"}}"""),
            Env(("S3C_BUCKETS", "x, y ,z"), ("S3C_PAGE_SIZE", "50"), ("S3C_ELASTICSEARCH__HOST", "https://es:9243"),
                ("S3C_ENDPOINT_URL", "http://127.0.0.1:4566"), ("AWS_REGION", "eu-west-3")));

        Assert.Equal(["x", "y", "z"], options.Buckets);
        Assert.Equal(50, options.PageSize);
        Assert.Equal(new Uri("https://es:9243"), options.Elasticsearch.Host);
        Assert.True(options.ForcePathStyle);
        Assert.Equal("eu-west-3", options.Region);
    }

    [Fact]
    public void Environment_alone_is_a_complete_configuration()
    {
        var options = ConnectorConfiguration.Load(null, Env(("S3C_BUCKETS", "*"), ("S3C_INDEX_NAME", "docs"),
            ("S3C_ELASTICSEARCH__HOST", "http://es:9200"), ("S3C_ELASTICSEARCH__API_KEY", "c2VjcmV0")));

        Assert.True(options.AllBuckets);
        Assert.Equal("c2VjcmV0", options.Elasticsearch.ApiKey!.Reveal());
        Assert.Equal("***", options.Elasticsearch.ApiKey.ToString());
    }

    [Fact]
    public void Every_bad_key_is_reported_by_name()
    {
        var error = Assert.Throws<ConfigurationException>(() => ConnectorConfiguration.Load(File("""
            {"buckets":[], "index_name":"Bad Index", "page_size": 5000, "read_timeout":"soon", "extraction":"tika",
             "max_file_size": -1, "force_path_style": "maybe", "colour":"blue",
             "elasticsearch":{"host":"not a url", "api_kee":"x"},
             "advanced_sync_rules":[{"bucket":""},{"bucket":"b","extension":".pdf","depth":2}]}
            """), Env(("S3C_UNKNOWN_THING", "1"))));

        var keys = error.Errors.Select(e => e.Key).ToHashSet();
        foreach (var expected in new[]
                 {
                     "index_name", "page_size", "read_timeout", "extraction", "max_file_size", "force_path_style", "colour",
                     "elasticsearch.host", "elasticsearch.api_kee", "advanced_sync_rules[0].bucket",
                     "advanced_sync_rules[1].extension", "advanced_sync_rules[1].depth", "S3C_UNKNOWN_THING",
                 })
        {
            Assert.Contains(expected, keys);
        }
    }

    [Fact]
    public void Missing_required_keys_are_named()
    {
        var error = Assert.Throws<ConfigurationException>(() => ConnectorConfiguration.Load(File("{}"), Env()));
        Assert.Equal(["buckets", "elasticsearch.host", "index_name"], error.Errors.Select(e => e.Key).Order().ToArray());
    }

    [Fact]
    public void Secrets_never_appear_in_errors()
    {
        var error = Assert.Throws<ConfigurationException>(() => ConnectorConfiguration.Load(File("""
            {"buckets":["a"],"index_name":"docs","aws_secret_access_key":"TOPSECRET",
             "elasticsearch":{"host":"http://h","password":"HUNTER2"}}
            """), Env()));
        Assert.DoesNotContain("TOPSECRET", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("HUNTER2", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.Errors, e => e.Key == "aws_access_key_id");
        Assert.Contains(error.Errors, e => e.Key == "elasticsearch.username");
    }

    [Fact]
    public void Invalid_json_file_names_the_file_and_line()
    {
        var path = File("{\n \"buckets\": [\"a\",\n");
        var error = Assert.Throws<ConfigurationException>(() => ConnectorConfiguration.Load(path, Env()));
        Assert.Contains(error.Errors, e => e.Key == path && e.Problem.Contains("line", StringComparison.Ordinal));
    }

    [Fact]
    public void Advanced_rules_replace_buckets_and_normalise_extensions()
    {
        var options = ConnectorConfiguration.Load(null, Env(("S3C_INDEX_NAME", "docs"), ("S3C_ELASTICSEARCH__HOST", "http://h"),
            ("S3C_ADVANCED_SYNC_RULES", """[{"bucket":"b","prefix":"docs/","extension":["PDF",".Txt"]}]""")));

        var rule = Assert.Single(options.AdvancedSyncRules);
        Assert.Equal([".pdf", ".txt"], rule.Extensions);
        Assert.True(rule.MatchesExtension("docs/a.TXT"));
        Assert.False(rule.MatchesExtension("docs/a.doc"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
