using S3Connector.Core.Elasticsearch;

namespace S3Connector.Core.Configuration;

public enum ExtractionMode
{
    Local,
    Pipeline,
    None,
}

/// <summary>The validated configuration (CONTRACT §1). Built only by <see cref="ConnectorConfiguration"/>.</summary>
public sealed record ConnectorOptions
{
    public const long DefaultMaxFileSize = 10_485_760;

    public required IReadOnlyList<string> Buckets { get; init; }
    public bool AllBuckets => Buckets is ["*"];
    public string? AwsAccessKeyId { get; init; }
    public Secret? AwsSecretAccessKey { get; init; }
    public Secret? AwsSessionToken { get; init; }
    public string? RoleArn { get; init; }
    public int ReadTimeoutSeconds { get; init; } = 90;
    public int ConnectTimeoutSeconds { get; init; } = 90;
    public int MaxAttempts { get; init; } = 5;
    public int PageSize { get; init; } = 100;
    public bool UseTextExtractionService { get; init; }
    public required string Region { get; init; }
    public string? EndpointUrl { get; init; }
    public bool ForcePathStyle { get; init; }
    public required string IndexName { get; init; }
    public long MaxFileSize { get; init; } = DefaultMaxFileSize;
    public ExtractionMode Extraction { get; init; } = ExtractionMode.Local;
    public string Pipeline { get; init; } = "search-default-ingestion";
    public IReadOnlyList<Rules.AdvancedRule> AdvancedSyncRules { get; init; } = [];
    public IReadOnlyList<Rules.BasicRule> BasicSyncRules { get; init; } = [];
    public required ElasticsearchOptions Elasticsearch { get; init; }
    public string? ConnectorId { get; init; }

    // Additions to the original's keys: deployment and tuning (see README "Configuration").
    public string? WorkQueueUrl { get; init; }
    public int WorkMaxReceiveCount { get; init; } = 5;
    public string JobsIndex { get; init; } = "s3-connector-jobs";
    public int BulkMaxDocuments { get; init; } = 500;
    public long BulkMaxBytes { get; init; } = 5 * 1024 * 1024;
    public int ConcurrentDownloads { get; init; } = 8;

    /// <summary>How many pieces a long key range divides into at once (see <c>Sync/RangeSplitter</c>); the template
    /// sets it to the worker concurrency cap.</summary>
    public int ListingParallelism { get; init; } = 16;
    public int MaxBodyChars { get; init; } = 1_000_000;

    /// <summary>Seconds one object may take to download and extract before it is indexed with metadata only.</summary>
    public int ExtractionTimeoutSeconds { get; init; } = 60;
}

public sealed record ElasticsearchOptions
{
    public required Uri Host { get; init; }
    public Secret? ApiKey { get; init; }
    public string? ApiKeySsmParameter { get; init; }
    public string? Username { get; init; }
    public Secret? Password { get; init; }
    public int RequestTimeoutSeconds { get; init; } = 120;

    /// <summary>The cluster's own CA (<c>ca_certs</c> or <c>ca_fingerprint</c>); null trusts the machine's store only.</summary>
    public ClusterTrust? Trust { get; init; }
}

/// <summary>A secret value whose ToString never reveals it, so it cannot leak into logs or exception messages.</summary>
public sealed class Secret(string value)
{
    public string Reveal() => value;

    public override string ToString() => "***";
}
