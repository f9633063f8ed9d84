using Microsoft.Extensions.Logging;
using S3Connector.Cli.Commands;
using S3Connector.Core.Configuration;
using S3Connector.Core.Elasticsearch;
using S3Connector.Core.Sync;

namespace S3Connector.Cli;

public static class Program
{
    private const string Usage = """
        Usage:
          s3-connector sync --config FILE [--dry-run OUT.ndjson] [--queue-url URL] [--concurrency N] [--verbose]
          s3-connector validate --config FILE [--verbose]
          s3-connector event --config FILE EVENT.json ...
          s3-connector jobs --config FILE [--limit N]
          s3-connector jobs fail JOB_ID --config FILE
        Exit codes: 0 success, 1 failed or unreachable, 2 invalid configuration or usage.
        """;

    public static async Task<int> Main(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        return await RunAsync(args, ConnectorConfiguration.ProcessEnvironment(), Console.Out, Console.Error, cancel.Token);
    }

    /// <summary>The whole CLI, with its environment and streams passed in so tests run it in-process.</summary>
    public static async Task<int> RunAsync(
        string[] args, IReadOnlyDictionary<string, string?> environment, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var verbose = args.Contains("--verbose");
        try
        {
            if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
            {
                await output.WriteLineAsync(Usage);
                return args.Length == 0 ? ExitCodes.Invalid : ExitCodes.Success;
            }

            var verbOptions = args[0] switch
            {
                "sync" => SyncCommand.Options,
                "validate" => ValidateCommand.Options,
                "event" => EventCommand.Options,
                "jobs" => JobsCommand.Options,
                _ => throw new UsageException($"Unknown verb '{args[0]}': use sync, event, validate or jobs."),
            };
            var parsed = CliArguments.Parse(args, verbOptions);
            if (parsed.Verb == "sync" && parsed.Positional.Count > 0 || parsed.Verb == "validate" && parsed.Positional.Count > 0)
            {
                throw new UsageException($"Unexpected argument '{parsed.Positional[0]}'.");
            }

            var options = ConnectorConfiguration.Load(parsed.RequiredOption("--config"), environment);
            options = await SsmSecrets.ResolveAsync(options, ct);
            using var loggers = LoggerFactory.Create(b => b
                .SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning)
                .AddSimpleConsole(o => o.SingleLine = true)
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .AddFilter("System.Net.Http", LogLevel.Warning));
            return parsed.Verb switch
            {
                "sync" => await SyncCommand.RunAsync(parsed, options, loggers, output, error, ct),
                "event" => await EventCommand.RunAsync(parsed, options, loggers, output, error, ct),
                "jobs" => await JobsCommand.RunAsync(parsed, options, loggers, output, error, ct),
                _ => await ValidateCommand.RunAsync(options, loggers, output, error, ct),
            };
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync(e.Message);
            await error.WriteLineAsync(Usage);
            return ExitCodes.Invalid;
        }
        catch (ConfigurationException e)
        {
            await error.WriteLineAsync($"Invalid configuration ({e.Errors.Count} problem{(e.Errors.Count == 1 ? "" : "s")}):");
            foreach (var problem in e.Errors)
            {
                await error.WriteLineAsync($"  {problem}");
            }

            return ExitCodes.Invalid;
        }
        catch (Exception e) when (e is SyncStartException or ElasticsearchException or Amazon.Runtime.AmazonServiceException
                                      or Amazon.Runtime.AmazonClientException or HttpRequestException or IOException)
        {
            await error.WriteLineAsync(verbose ? e.ToString() : e.Message);
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await error.WriteLineAsync("Cancelled.");
            return ExitCodes.Failed;
        }
        catch (Exception e)
        {
            // A bug, not a user error: still one sentence by default; --verbose shows where.
            await error.WriteLineAsync(verbose ? e.ToString() : $"Unexpected error ({e.GetType().Name}): {e.Message} Run again with --verbose for details.");
            return ExitCodes.Failed;
        }
    }
}
