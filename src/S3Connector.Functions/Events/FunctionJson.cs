using System.Text.Json.Serialization;

namespace S3Connector.Functions.Events;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SqsEvent))]
[JsonSerializable(typeof(SqsBatchResponse))]
[JsonSerializable(typeof(ScheduledEvent))]
[JsonSerializable(typeof(SchedulerResponse))]
[JsonSerializable(typeof(Runtime.LambdaError))]
[JsonSerializable(typeof(Handlers.EventsResponse))]
[JsonSerializable(typeof(System.Text.Json.JsonElement))]
public sealed partial class FunctionJson : JsonSerializerContext;
