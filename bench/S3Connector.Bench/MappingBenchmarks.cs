using System.Text.Json;
using BenchmarkDotNet.Attributes;
using S3Connector.Core.Configuration;
using S3Connector.Core.Documents;
using S3Connector.Core.Extraction;
using S3Connector.Core.Json;
using S3Connector.Core.S3;

namespace S3Connector.Bench;

/// <summary>The per-object CPU work of the connector, outside any I/O.</summary>
[MemoryDiagnoser]
public class MappingBenchmarks
{
    // Loaded as a user's configuration is, so the defaults are the loader's own.
    private static readonly ConnectorOptions Options = ConnectorConfiguration.Load(null, new Dictionary<string, string?>
    {
        ["S3C_BUCKETS"] = "b",
        ["S3C_REGION"] = "us-east-1",
        ["S3C_INDEX_NAME"] = "docs",
        ["S3C_ELASTICSEARCH__HOST"] = "http://localhost:9200",
    });

    private readonly S3ObjectInfo _object = new("my-bucket", "reports/2026/11/quarterly report é.pdf", 123_456,
        DateTimeOffset.UnixEpoch, "0123456789abcdef0123456789abcdef", "STANDARD", "owner");

    private readonly ContentExtractor _extractor = new();

    [Benchmark]
    public string DocumentId() => ObjectKeys.DocumentId(_object.Bucket, _object.Key);

    [Benchmark]
    public ContentSkipReason ContentDecision() => ContentPolicy.Decide(_object, Options, _extractor);

    [Benchmark]
    public byte[] MetadataDocumentSerialized() =>
        JsonSerializer.SerializeToUtf8Bytes(DocumentBuilder.MetadataDocument(_object, "job", DateTimeOffset.UnixEpoch), ConnectorJson.Default.S3Document);
}
