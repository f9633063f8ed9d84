using System.Text.Json.Serialization;
using S3Connector.Core.Documents;
using S3Connector.Core.Jobs;
using S3Connector.Core.Sync;

namespace S3Connector.Core.Json;

/// <summary>Source-generated serialization for everything the connector writes; required for Native AOT.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(S3Document))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(WorkMessage))]
[JsonSerializable(typeof(RangeReading))]
[JsonSerializable(typeof(JobDocument))]
[JsonSerializable(typeof(UnitDocument))]
[JsonSerializable(typeof(SyncLock))]
[JsonSerializable(typeof(JobCounters))]
[JsonSerializable(typeof(SyncSummary))]
// The Elasticsearch client reads the extra fields of error bodies (a 409's index_uuid, shard, ...) as object through
// the source serializer; without these, a version conflict throws instead of answering 409.
[JsonSerializable(typeof(object))]
[JsonSerializable(typeof(Dictionary<string, object>))]
public sealed partial class ConnectorJson : JsonSerializerContext;
