using System.Text.Json.Serialization;
using S3Connector.Core.Documents;
using S3Connector.Core.Jobs;
using S3Connector.Core.Sync;

namespace S3Connector.Core.Json;

/// <summary>Source-generated serialization for everything the connector writes; required for Native AOT.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(S3Document))]
[JsonSerializable(typeof(WorkMessage))]
[JsonSerializable(typeof(JobDocument))]
[JsonSerializable(typeof(UnitDocument))]
[JsonSerializable(typeof(JobCounters))]
[JsonSerializable(typeof(SyncSummary))]
public sealed partial class ConnectorJson : JsonSerializerContext;
