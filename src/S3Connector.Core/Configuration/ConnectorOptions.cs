using S3Connector.Core.Elasticsearch;

namespace S3Connector.Core.Configuration;

public enum ExtractionMode
{
    Local,
    Pipeline,
    None,
}

/// <summary>
/// The validated configuration (CONTRACT §1). Built only by <see cref="ConnectorConfiguration"/>, whose read of each key
/// is that key's one home: its default and its range. So nothing here has an initializer, and every value is required.
/// </summary>
public sealed record ConnectorOptions
{
    public required IReadOnlyList<string> Buckets { get; init; }
    public bool AllBuckets => Buckets is ["*"];
    public string? AwsAccessKeyId { get; init; }
    public Secret? AwsSecretAccessKey { get; init; }
    public Secret? AwsSessionToken { get; init; }
    public string? RoleArn { get; init; }
    public required int ReadTimeoutSeconds { get; init; }
    public required int ConnectTimeoutSeconds { get; init; }
    public required int MaxAttempts { get; init; }
    public required int PageSize { get; init; }
    public required bool UseTextExtractionService { get; init; }
    public required string Region { get; init; }
    public string? EndpointUrl { get; init; }
    public required bool ForcePathStyle { get; init; }
    public required string IndexName { get; init; }
    public required long MaxFileSize { get; init; }
    public required ExtractionMode Extraction { get; init; }
    public required string Pipeline { get; init; }
    public required IReadOnlyList<Rules.AdvancedRule> AdvancedSyncRules { get; init; }
    public required IReadOnlyList<Rules.BasicRule> BasicSyncRules { get; init; }
    public required ElasticsearchOptions Elasticsearch { get; init; }
    public string? ConnectorId { get; init; }

    // Additions to the original's keys: deployment and tuning (see README "Configuration").
    public string? WorkQueueUrl { get; init; }
    public required int WorkMaxReceiveCount { get; init; }
    public required string JobsIndex { get; init; }
    public required int BulkMaxDocuments { get; init; }
    public required long BulkMaxBytes { get; init; }
    public required int ConcurrentDownloads { get; init; }

    /// <summary>How many pieces a long key range divides into at once (see <c>Sync/RangeSplitter</c>); the template
    /// sets it to the worker concurrency cap.</summary>
    public required int ListingParallelism { get; init; }
    public required int MaxBodyChars { get; init; }

    /// <summary>Seconds one object may take to download and extract before it is indexed with metadata only.</summary>
    public required int ExtractionTimeoutSeconds { get; init; }
}

public sealed record ElasticsearchOptions
{
    public required Uri Host { get; init; }
    public Secret? ApiKey { get; init; }
    public string? ApiKeySsmParameter { get; init; }
    public string? Username { get; init; }
    public Secret? Password { get; init; }
    public required int RequestTimeoutSeconds { get; init; }

    /// <summary>The cluster's own CA (<c>ca_certs</c> or <c>ca_fingerprint</c>); null trusts the machine's store only.</summary>
    public ClusterTrust? Trust { get; init; }
}

/// <summary>A secret value whose ToString never reveals it, so it cannot leak into logs or exception messages.</summary>
public sealed class Secret(string value)
{
    public string Reveal() => value;

    public override string ToString() => "***";
}
