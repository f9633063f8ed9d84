namespace S3Connector.Core.Configuration;

/// <summary>One configuration key: its name in the file (<c>section.key</c> for nested ones) and whether it holds a secret.</summary>
/// <param name="Secret">Its value is redacted wherever the process could echo it (Lambda errors, logs).</param>
public sealed record ConfigurationKey(string Name, bool Secret = false)
{
    /// <summary>The environment variable that sets it: <c>S3C_</c>, upper case, <c>__</c> for the section separator.</summary>
    public string EnvironmentVariable => ConnectorConfiguration.EnvironmentPrefix + Name.Replace(".", "__", StringComparison.Ordinal).ToUpperInvariant();
}

/// <summary>
/// Every key the connector reads (CONTRACT §1 and ours), in one list: the loader's known-key checks and the Lambda's
/// redaction list come from it, and a test checks the README names each one.
/// </summary>
public static class ConfigurationKeys
{
    public const string ElasticsearchSection = "elasticsearch";

    public static IReadOnlyList<ConfigurationKey> All { get; } =
    [
        new("buckets"), new("aws_access_key_id"), new("aws_secret_access_key", Secret: true),
        new("aws_session_token", Secret: true), new("role_arn"), new("region"), new("endpoint_url"), new("force_path_style"),
        new("read_timeout"), new("connect_timeout"), new("max_attempts"), new("page_size"),
        new("use_text_extraction_service"), new("index_name"), new("max_file_size"), new("extraction"), new("pipeline"),
        new("advanced_sync_rules"), new("basic_sync_rules"), new("connector_id"),
        new("elasticsearch.host"), new("elasticsearch.api_key", Secret: true),
        // Users paste the key itself here by mistake, so it is treated as one.
        new("elasticsearch.api_key_ssm_parameter", Secret: true),
        new("elasticsearch.username"), new("elasticsearch.password", Secret: true), new("elasticsearch.request_timeout"),
        new("elasticsearch.ca_certs"), new("elasticsearch.ca_fingerprint"),
        new("work_queue_url"), new("work_max_receive_count"), new("jobs_index"), new("bulk_max_documents"),
        new("bulk_max_bytes"), new("concurrent_downloads"), new("max_body_chars"), new("extraction_timeout"),
        new("listing_parallelism"),
    ];

    /// <summary>The keys of the file's top level; a section (<c>elasticsearch</c>) counts as one.</summary>
    public static IReadOnlyList<string> TopLevel { get; } = [.. All.Select(k => k.Name.Split('.')[0]).Distinct(StringComparer.Ordinal)];

    /// <summary>The keys inside a section, without the section's name.</summary>
    public static IReadOnlyList<string> Of(string section) =>
        [.. All.Where(k => k.Name.StartsWith(section + ".", StringComparison.Ordinal)).Select(k => k.Name[(section.Length + 1)..])];

    public static IReadOnlyList<string> SecretVariables { get; } = [.. All.Where(k => k.Secret).Select(k => k.EnvironmentVariable)];
}
