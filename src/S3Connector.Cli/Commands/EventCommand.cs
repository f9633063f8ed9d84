using System.Text.Json;
using Microsoft.Extensions.Logging;
using S3Connector.Core;
using S3Connector.Core.Configuration;
using S3Connector.Core.Events;
using S3Connector.Functions.Handlers;

namespace S3Connector.Cli.Commands;

/// <summary><c>event</c>: applies S3 event payload files through the events handler, as the Lambda would.</summary>
public static class EventCommand
{
    public static readonly IReadOnlySet<string> Options = new HashSet<string>(StringComparer.Ordinal) { "--config" };

    public static async Task<int> RunAsync(
        CliArguments args, ConnectorOptions options, ILoggerFactory loggers, TextWriter output, TextWriter error, CancellationToken ct)
    {
        if (args.Positional.Count == 0)
        {
            throw new UsageException("Name at least one event file: s3-connector event --config FILE EVENT.json ...");
        }

        // Read and check every file before applying any, so invalid input changes nothing.
        var payloads = new List<(string File, JsonDocument Json)>();
        try
        {
            foreach (var file in args.Positional)
            {
                if (!File.Exists(file))
                {
                    await error.WriteLineAsync($"Event file '{file}' does not exist.");
                    return ExitCodes.Invalid;
                }

                JsonDocument json;
                try
                {
                    json = JsonDocument.Parse(await File.ReadAllTextAsync(file, ct));
                }
                catch (JsonException e)
                {
                    await error.WriteLineAsync($"Event file '{file}' is not valid JSON: {e.Message}");
                    return ExitCodes.Invalid;
                }

                payloads.Add((file, json));
                if (!EventsFunction.IsSqsBatch(json.RootElement) && S3EventParser.Parse(json.RootElement).Error is { } problem)
                {
                    await error.WriteLineAsync($"Event file '{file}' is not an S3 event: {problem}.");
                    return ExitCodes.Invalid;
                }
            }

            using var services = new ConnectorServices(options, new Core.Queue.NullWorkQueue(), loggers);
            var function = new EventsFunction(services, loggers.CreateLogger<EventsFunction>());
            var total = new EventsResponse();
            var failedFiles = 0;
            foreach (var (file, json) in payloads)
            {
                try
                {
                    var result = await function.HandleAsync(json.RootElement, new CliContext("EventsFunction"));
                    total.Indexed += result.Indexed;
                    total.Deleted += result.Deleted;
                    total.Ignored += result.Ignored;
                    total.Failed += result.Failed + result.Invalid;
                    if (result.BatchItemFailures is { Count: > 0 } failures)
                    {
                        failedFiles++;
                        await error.WriteLineAsync($"{file}: {failures.Count} messages were not applied.");
                    }
                }
                catch (EventsInvocationException e)
                {
                    failedFiles++;
                    total.Failed++;
                    await error.WriteLineAsync($"{file}: {e.Message}");
                }
            }

            await output.WriteLineAsync($"Events applied: {total.Indexed} indexed, {total.Deleted} deleted, {total.Ignored} ignored, {total.Failed} failed.");
            return failedFiles == 0 ? ExitCodes.Success : ExitCodes.Failed;
        }
        finally
        {
            foreach (var (_, json) in payloads)
            {
                json.Dispose();
            }
        }
    }
}
