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
    private static readonly ConnectorOptions Options = new()
    {
        Buckets = ["b"],
        Region = "us-east-1",
        IndexName = "docs",
        Elasticsearch = new ElasticsearchOptions { Host = new Uri("http://localhost:9200") },
    };

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
