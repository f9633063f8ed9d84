using System.Text.Json;
using Microsoft.Extensions.Logging;
using S3Connector.Core;
using S3Connector.Functions.Events;
using S3Connector.Functions.Runtime;

namespace S3Connector.Functions.Handlers;

/// <summary>Maps <c>_HANDLER</c> to a handler and its JSON shapes: one binary serves every function.</summary>
public static class FunctionHost
{
    public const string Scheduler = "scheduler";
    public const string Worker = "worker";
    public const string Events = "events";
    public const string DeadLetters = "dead-letters";

    /// <summary>The handlers this binary serves, in the order an error lists them.</summary>
    public static IReadOnlyList<string> Handlers { get; } = [Scheduler, Worker, Events, DeadLetters];

    /// <summary>Only the scheduler and the worker send work messages; the others need no <c>work_queue_url</c>.</summary>
    public static bool SendsWork(string handler) => handler is Scheduler or Worker;

    /// <summary>Throws <see cref="HandlerNotFoundException"/> unless <paramref name="handler"/> is one of <see cref="Handlers"/>.</summary>
    public static void EnsureKnown(string handler)
    {
        if (!Handlers.Contains(handler, StringComparer.Ordinal))
        {
            throw new HandlerNotFoundException(handler);
        }
    }

    public static RawHandler Select(string handler, ConnectorServices services, ILoggerFactory loggers)
    {
        switch (handler)
        {
            case Scheduler:
            {
                var function = new SchedulerFunction(services);
                return async (input, context) =>
                {
                    var scheduled = input.Length == 0 ? null : JsonSerializer.Deserialize(input, FunctionJson.Default.ScheduledEvent);
                    var result = await function.HandleAsync(scheduled, context);
                    return JsonSerializer.SerializeToUtf8Bytes(result, FunctionJson.Default.SchedulerResponse);
                };
            }

            case Worker:
            {
                var function = new WorkerFunction(services, loggers.CreateLogger<WorkerFunction>());
                return async (input, context) =>
                {
                    var sqs = JsonSerializer.Deserialize(input, FunctionJson.Default.SqsEvent) ?? new SqsEvent();
                    var result = await function.HandleAsync(sqs, context);
                    return JsonSerializer.SerializeToUtf8Bytes(result, FunctionJson.Default.SqsBatchResponse);
                };
            }

            case DeadLetters:
            {
                var function = new DeadLetterFunction(services, loggers.CreateLogger<DeadLetterFunction>());
                return async (input, context) =>
                {
                    var sqs = JsonSerializer.Deserialize(input, FunctionJson.Default.SqsEvent) ?? new SqsEvent();
                    var result = await function.HandleAsync(sqs, context);
                    return JsonSerializer.SerializeToUtf8Bytes(result, FunctionJson.Default.SqsBatchResponse);
                };
            }

            case Events:
            {
                var function = new EventsFunction(services, loggers.CreateLogger<EventsFunction>());
                return async (input, context) =>
                {
                    using var document = JsonDocument.Parse(input);
                    var result = await function.HandleAsync(document.RootElement, context);
                    return JsonSerializer.SerializeToUtf8Bytes(result, FunctionJson.Default.EventsResponse);
                };
            }

            default:
                throw new HandlerNotFoundException(handler);
        }
    }
}

/// <summary>The function's <c>_HANDLER</c> names no handler of this binary.</summary>
public sealed class HandlerNotFoundException(string handler)
    : Exception($"_HANDLER '{handler}' is not one of: {string.Join(", ", FunctionHost.Handlers)}.");
