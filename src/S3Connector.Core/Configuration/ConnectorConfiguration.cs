using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using S3Connector.Core.Elasticsearch;
using S3Connector.Core.Rules;

namespace S3Connector.Core.Configuration;

/// <summary>One problem with one configuration key; <see cref="Key"/> is the contract's name (or the env variable).</summary>
public sealed record ConfigurationError(string Key, string Problem)
{
    public override string ToString() => $"{Key}: {Problem}";
}

public sealed class ConfigurationException(IReadOnlyList<ConfigurationError> errors)
    : Exception("Invalid configuration: " + string.Join("; ", errors))
{
    public IReadOnlyList<ConfigurationError> Errors { get; } = errors;
}

/// <summary>
/// Reads CONTRACT §1: a JSON file overlaid by <c>S3C_*</c> environment variables, then validates every key and
/// reports all problems at once. Hand-written rather than bound with Microsoft.Extensions.Configuration because the
/// binder stops at the first conversion error and cannot name the key the user typed.
/// </summary>
public static class ConnectorConfiguration
{
    public const string EnvironmentPrefix = "S3C_";

    private static readonly IReadOnlyList<string> TopLevelKeys = ConfigurationKeys.TopLevel;

    private static readonly IReadOnlyList<string> ElasticsearchKeys = ConfigurationKeys.Of(ConfigurationKeys.ElasticsearchSection);

    /// <summary>Loads and validates; throws <see cref="ConfigurationException"/> listing every bad key.</summary>
    public static ConnectorOptions Load(string? filePath, IReadOnlyDictionary<string, string?> environment)
    {
        var errors = new List<ConfigurationError>();
        var root = ReadFile(filePath, errors);
        OverlayEnvironment(root, environment, errors);
        var baseDirectory = filePath is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(filePath))!;
        var options = Validate(root, environment, baseDirectory, errors);
        if (errors.Count > 0 || options is null)
        {
            throw new ConfigurationException(errors);
        }

        return options;
    }

    /// <summary>The process environment as a dictionary, read once by the hosts (never deep in the code).</summary>
    public static IReadOnlyDictionary<string, string?> ProcessEnvironment()
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            result[(string)entry.Key] = entry.Value as string;
        }

        return result;
    }

    private static JsonObject ReadFile(string? filePath, List<ConfigurationError> errors)
    {
        if (filePath is null)
        {
            return [];
        }

        if (!File.Exists(filePath))
        {
            errors.Add(new ConfigurationError(filePath, "the configuration file does not exist"));
            return [];
        }

        try
        {
            var node = JsonNode.Parse(File.ReadAllText(filePath), documentOptions: new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            });
            if (node is JsonObject obj)
            {
                return obj;
            }

            errors.Add(new ConfigurationError(filePath, "the configuration file must hold a JSON object"));
        }
        catch (JsonException e)
        {
            errors.Add(new ConfigurationError(filePath,
                $"not valid JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine + 1})"));
        }

        return [];
    }

    private static void OverlayEnvironment(
        JsonObject root, IReadOnlyDictionary<string, string?> environment, List<ConfigurationError> errors)
    {
        foreach (var (name, value) in environment.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!name.StartsWith(EnvironmentPrefix, StringComparison.Ordinal) || value is null)
            {
                continue;
            }

            var path = name[EnvironmentPrefix.Length..].ToLowerInvariant().Split("__");
            if (path is [var key] && TopLevelKeys.Contains(key) && key != "elasticsearch")
            {
                root[key] = JsonValue.Create(value);
            }
            else if (path is ["elasticsearch", var esKey] && ElasticsearchKeys.Contains(esKey))
            {
                if (root["elasticsearch"] is not JsonObject es)
                {
                    es = [];
                    root["elasticsearch"] = es;
                }

                es[esKey] = JsonValue.Create(value);
            }
            else
            {
                errors.Add(new ConfigurationError(name, "unknown configuration variable"));
            }
        }
    }

    private static ConnectorOptions? Validate(
        JsonObject root, IReadOnlyDictionary<string, string?> environment, string baseDirectory, List<ConfigurationError> errors)
    {
        foreach (var (key, _) in root)
        {
            if (!TopLevelKeys.Contains(key))
            {
                errors.Add(new ConfigurationError(key, "unknown key"));
            }
        }

        var reader = new KeyReader(root, errors);
        var es = ReadElasticsearch(root, baseDirectory, errors);
        var advanced = AdvancedRuleParser.Parse(reader.Json("advanced_sync_rules"), errors);
        var basic = BasicRuleParser.Parse(reader.Json("basic_sync_rules"), errors);
        var buckets = reader.StringList("buckets");
        if (advanced.Count == 0 && (buckets is null || buckets.Count == 0))
        {
            errors.Add(new ConfigurationError("buckets", "required (a list of bucket names, or [\"*\"] for all)"));
        }
        else if (buckets is not null && buckets.Count > 1 && buckets.Contains("*"))
        {
            errors.Add(new ConfigurationError("buckets", "\"*\" must be the only entry when used"));
        }

        var indexName = reader.String("index_name");
        if (string.IsNullOrWhiteSpace(indexName))
        {
            errors.Add(new ConfigurationError("index_name", "required"));
        }
        else if (!IsValidIndexName(indexName))
        {
            errors.Add(new ConfigurationError("index_name",
                $"'{indexName}' is not a valid Elasticsearch index name (lowercase, no spaces or \\/*?\"<>|,#:, not starting with _ - +)"));
        }

        var endpointUrl = reader.String("endpoint_url");
        if (endpointUrl is not null && !Uri.TryCreate(endpointUrl, UriKind.Absolute, out _))
        {
            errors.Add(new ConfigurationError("endpoint_url", $"'{endpointUrl}' is not an absolute URL"));
        }

        var accessKey = reader.String("aws_access_key_id");
        var secretKey = reader.String("aws_secret_access_key");
        if ((accessKey is null) != (secretKey is null))
        {
            errors.Add(new ConfigurationError(accessKey is null ? "aws_access_key_id" : "aws_secret_access_key",
                "aws_access_key_id and aws_secret_access_key must be set together"));
        }

        var extraction = reader.String("extraction") switch
        {
            null or "local" => ExtractionMode.Local,
            "pipeline" => ExtractionMode.Pipeline,
            "none" => ExtractionMode.None,
            var other => Invalid(errors, "extraction", $"'{other}' is not one of local, pipeline, none", ExtractionMode.Local),
        };

        var region = reader.String("region")
            ?? environment.GetValueOrDefault("AWS_REGION")
            ?? environment.GetValueOrDefault("AWS_DEFAULT_REGION")
            ?? "us-east-1";

        var options = new ConnectorOptions
        {
            Buckets = buckets ?? [],
            AwsAccessKeyId = accessKey,
            AwsSecretAccessKey = secretKey is null ? null : new Secret(secretKey),
            AwsSessionToken = reader.String("aws_session_token") is { } token ? new Secret(token) : null,
            RoleArn = reader.String("role_arn"),
            ReadTimeoutSeconds = reader.Int("read_timeout", 90, 1, 3600),
            ConnectTimeoutSeconds = reader.Int("connect_timeout", 90, 1, 3600),
            MaxAttempts = reader.Int("max_attempts", 5, 0, 20),
            PageSize = reader.Int("page_size", 100, 1, 1000),
            UseTextExtractionService = reader.Bool("use_text_extraction_service", false),
            Region = region,
            EndpointUrl = endpointUrl,
            ForcePathStyle = reader.Bool("force_path_style", endpointUrl is not null),
            IndexName = indexName ?? "",
            MaxFileSize = reader.Long("max_file_size", 10_485_760, 0, long.MaxValue),
            Extraction = extraction,
            Pipeline = reader.String("pipeline") ?? "search-default-ingestion",
            AdvancedSyncRules = advanced,
            BasicSyncRules = basic,
            // Without a usable elasticsearch section there are errors already, and Load throws; this placeholder only lets
            // the remaining keys be checked too, so every bad key is named at once.
            Elasticsearch = es ?? new ElasticsearchOptions { Host = new Uri("http://invalid"), RequestTimeoutSeconds = 0 },
            ConnectorId = reader.String("connector_id"),
            WorkQueueUrl = reader.String("work_queue_url"),
            WorkMaxReceiveCount = reader.Int("work_max_receive_count", 5, 1, 1000),
            JobsIndex = reader.String("jobs_index") ?? "s3-connector-jobs",
            BulkMaxDocuments = reader.Int("bulk_max_documents", 500, 1, 10_000),
            BulkMaxBytes = reader.Long("bulk_max_bytes", 5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
            ConcurrentDownloads = reader.Int("concurrent_downloads", 8, 1, 64),
            ListingParallelism = reader.Int("listing_parallelism", 16, 1, 1000),
            MaxBodyChars = reader.Int("max_body_chars", 1_000_000, 1_000, 50_000_000),
            ExtractionTimeoutSeconds = reader.Int("extraction_timeout", 60, 1, 900),
        };

        if (!IsValidIndexName(options.JobsIndex))
        {
            errors.Add(new ConfigurationError("jobs_index", $"'{options.JobsIndex}' is not a valid Elasticsearch index name"));
        }
        else if (options.JobsIndex == options.IndexName)
        {
            errors.Add(new ConfigurationError("jobs_index", "must differ from index_name"));
        }

        if (options.ConnectorId is not null)
        {
            errors.Add(new ConfigurationError("connector_id", "Connector API mode is not available yet; remove this key"));
        }

        return es is null ? null : options;
    }

    private static ElasticsearchOptions? ReadElasticsearch(JsonObject root, string baseDirectory, List<ConfigurationError> errors)
    {
        var node = root["elasticsearch"];
        if (node is not JsonObject es)
        {
            errors.Add(new ConfigurationError("elasticsearch.host", "required (the Elasticsearch URL)"));
            return null;
        }

        foreach (var (key, _) in es)
        {
            if (!ElasticsearchKeys.Contains(key))
            {
                errors.Add(new ConfigurationError("elasticsearch." + key, "unknown key"));
            }
        }

        var reader = new KeyReader(es, errors, "elasticsearch.");
        var host = reader.String("host");
        Uri? hostUri = null;
        if (host is null)
        {
            errors.Add(new ConfigurationError("elasticsearch.host", "required (the Elasticsearch URL)"));
        }
        else if (!Uri.TryCreate(host, UriKind.Absolute, out hostUri) || hostUri.Scheme is not ("http" or "https"))
        {
            // Not echoed: a mistyped URL may still carry a password.
            errors.Add(new ConfigurationError("elasticsearch.host", "is not an http(s) URL (the value is not shown: it may hold credentials)"));
            hostUri = null;
        }

        var apiKey = reader.String("api_key");
        var ssm = reader.String("api_key_ssm_parameter");
        var username = reader.String("username");
        var password = reader.String("password");
        if (hostUri is { UserInfo.Length: > 0 })
        {
            // https://user:password@host works in curl and in Elastic's clients: take the credentials out of the URL, so
            // the host that logs, errors and `validate` print never carries them.
            var (user, secret) = SplitUserInfo(hostUri.UserInfo);
            if (username is not null || password is not null || apiKey is not null || ssm is not null)
            {
                errors.Add(new ConfigurationError("elasticsearch.host",
                    "holds credentials (user info) and other credentials are set too; keep them in elasticsearch.username/password only"));
            }
            else if (secret is null)
            {
                errors.Add(new ConfigurationError("elasticsearch.host", "holds a user name without a password; set elasticsearch.username and elasticsearch.password"));
            }

            username ??= user;
            password ??= secret;
            hostUri = new UriBuilder(hostUri) { UserName = "", Password = "" }.Uri;
        }
        if (apiKey is not null && ssm is not null)
        {
            errors.Add(new ConfigurationError("elasticsearch.api_key_ssm_parameter", "set either api_key or api_key_ssm_parameter, not both"));
        }

        if ((username is null) != (password is null))
        {
            errors.Add(new ConfigurationError(username is null ? "elasticsearch.username" : "elasticsearch.password",
                "username and password must be set together"));
        }

        var trust = ReadClusterTrust(reader, hostUri, baseDirectory, errors);
        var timeout = reader.Int("request_timeout", 120, 1, 3600);
        return hostUri is null
            ? null
            : new ElasticsearchOptions
            {
                Host = hostUri,
                ApiKey = apiKey is null ? null : new Secret(apiKey),
                ApiKeySsmParameter = ssm,
                Username = username,
                Password = password is null ? null : new Secret(password),
                RequestTimeoutSeconds = timeout,
                Trust = trust,
            };
    }

    /// <summary>
    /// <c>ca_certs</c> is a PEM file (relative to the configuration file) or the PEM text itself, which is what an
    /// environment variable of a Lambda can carry.
    /// </summary>
    private static ClusterTrust? ReadClusterTrust(KeyReader reader, Uri? host, string baseDirectory, List<ConfigurationError> errors)
    {
        var caCerts = reader.String("ca_certs");
        var fingerprint = reader.String("ca_fingerprint");
        if (caCerts is null && fingerprint is null)
        {
            return null;
        }

        if (caCerts is not null && fingerprint is not null)
        {
            errors.Add(new ConfigurationError("elasticsearch.ca_fingerprint", "set either ca_certs or ca_fingerprint, not both"));
            return null;
        }

        var key = caCerts is not null ? "elasticsearch.ca_certs" : "elasticsearch.ca_fingerprint";
        if (host is { Scheme: not "https" })
        {
            errors.Add(new ConfigurationError(key, "applies to https:// hosts only; elasticsearch.host is http://"));
            return null;
        }

        try
        {
            if (fingerprint is not null)
            {
                return ClusterTrust.FromFingerprint(fingerprint);
            }

            var pem = caCerts!.StartsWith("-----BEGIN", StringComparison.Ordinal)
                ? caCerts
                : File.ReadAllText(Path.Combine(baseDirectory, caCerts));
            return ClusterTrust.FromPem(pem);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or CryptographicException)
        {
            errors.Add(new ConfigurationError(key, e.Message));
            return null;
        }
    }

    private static (string User, string? Password) SplitUserInfo(string userInfo)
    {
        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        return colon < 0
            ? (Uri.UnescapeDataString(userInfo), null)
            : (Uri.UnescapeDataString(userInfo[..colon]), Uri.UnescapeDataString(userInfo[(colon + 1)..]));
    }

    internal static bool IsValidIndexName(string name) =>
        name.Length is > 0 and <= 255
        && name == name.ToLowerInvariant()
        && name is not "." and not ".."
        && !name.StartsWith('_') && !name.StartsWith('-') && !name.StartsWith('+')
        && name.IndexOfAny(['\\', '/', '*', '?', '"', '<', '>', '|', ' ', ',', '#', ':']) < 0;

    private static T Invalid<T>(List<ConfigurationError> errors, string key, string problem, T fallback)
    {
        errors.Add(new ConfigurationError(key, problem));
        return fallback;
    }

    /// <summary>Typed reads that accept both JSON values and the strings environment variables carry.</summary>
    private sealed class KeyReader(JsonObject obj, List<ConfigurationError> errors, string prefix = "")
    {
        public JsonNode? Json(string key)
        {
            var node = obj[key];
            if (node is JsonValue value && value.TryGetValue<string>(out var text))
            {
                if (string.IsNullOrWhiteSpace(text))
                {
                    return null;
                }

                try
                {
                    return JsonNode.Parse(text);
                }
                catch (JsonException)
                {
                    errors.Add(new ConfigurationError(prefix + key, "not valid JSON"));
                    return null;
                }
            }

            return node;
        }

        public string? String(string key)
        {
            var node = obj[key];
            if (node is null)
            {
                return null;
            }

            if (node is JsonValue value && value.TryGetValue<string>(out var text))
            {
                return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
            }

            errors.Add(new ConfigurationError(prefix + key, "must be a string"));
            return null;
        }

        public IReadOnlyList<string>? StringList(string key)
        {
            var node = obj[key];
            switch (node)
            {
                case null:
                    return null;
                case JsonValue value when value.TryGetValue<string>(out var text):
                    return Split(text);
                case JsonArray array:
                    var items = new List<string>();
                    foreach (var item in array)
                    {
                        if (item is JsonValue v && v.TryGetValue<string>(out var s))
                        {
                            if (!string.IsNullOrWhiteSpace(s))
                            {
                                items.Add(s.Trim());
                            }
                        }
                        else
                        {
                            errors.Add(new ConfigurationError(prefix + key, "every entry must be a string"));
                            return null;
                        }
                    }

                    return items.Distinct(StringComparer.Ordinal).ToList();
                default:
                    errors.Add(new ConfigurationError(prefix + key, "must be a list of strings or a comma-separated string"));
                    return null;
            }

            static List<string> Split(string text) =>
                text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Distinct(StringComparer.Ordinal).ToList();
        }

        public int Int(string key, int fallback, int min, int max) => (int)Long(key, fallback, min, max);

        public long Long(string key, long fallback, long min, long max)
        {
            var node = obj[key];
            if (node is null)
            {
                return fallback;
            }

            long parsed;
            if (node is JsonValue value && value.TryGetValue<long>(out var number))
            {
                parsed = number;
            }
            else if (node is JsonValue text && text.TryGetValue<string>(out var s)
                     && long.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var fromText))
            {
                parsed = fromText;
            }
            else
            {
                errors.Add(new ConfigurationError(prefix + key, $"must be an integer, got {node.ToJsonString()}"));
                return fallback;
            }

            if (parsed < min || parsed > max)
            {
                errors.Add(new ConfigurationError(prefix + key,
                    max == long.MaxValue ? $"must be at least {min}, got {parsed}" : $"must be from {min} to {max}, got {parsed}"));
                return fallback;
            }

            return parsed;
        }

        public bool Bool(string key, bool fallback)
        {
            var node = obj[key];
            if (node is null)
            {
                return fallback;
            }

            if (node is JsonValue value && value.TryGetValue<bool>(out var flag))
            {
                return flag;
            }

            if (node is JsonValue text && text.TryGetValue<string>(out var s) && bool.TryParse(s.Trim(), out var parsed))
            {
                return parsed;
            }

            errors.Add(new ConfigurationError(prefix + key, $"must be true or false, got {node.ToJsonString()}"));
            return fallback;
        }
    }
}
