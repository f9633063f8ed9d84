using Microsoft.Extensions.Logging;
using S3Connector.Core;
using S3Connector.Core.Configuration;
using S3Connector.Core.Queue;
using S3Connector.Functions.Handlers;
using S3Connector.Functions.Runtime;

namespace S3Connector.Lambda;

/// <summary>The <c>bootstrap</c> of the provided.al2023 runtime: configuration, clients, then the invocation loop.</summary>
public static partial class Program
{
    /// <summary>
    /// Environment variables whose values must never reach an error message: the connector's secret keys
    /// (<see cref="ConfigurationKeys"/>), and the credentials Lambda itself puts in the environment.
    /// </summary>
    private static readonly string[] SecretVariables =
        [.. ConfigurationKeys.SecretVariables, "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];

    /// <summary>The password in S3C_ELASTICSEARCH__HOST's user info, if any (the configuration moves it out of the URL,
    /// but a start-up error may come before that).</summary>
    private static IEnumerable<string> HostPassword(IReadOnlyDictionary<string, string?> environment) =>
        environment.GetValueOrDefault("S3C_ELASTICSEARCH__HOST") is { } host && Uri.TryCreate(host, UriKind.Absolute, out var uri)
            && uri.UserInfo.Split(':', 2) is [_, { Length: > 0 } password]
            ? [password, Uri.UnescapeDataString(password)]
            : [];

    public static async Task<int> Main()
    {
        var environment = ConnectorConfiguration.ProcessEnvironment();
        var runtimeApi = environment.GetValueOrDefault("AWS_LAMBDA_RUNTIME_API");
        if (string.IsNullOrEmpty(runtimeApi))
        {
            await Console.Error.WriteLineAsync("AWS_LAMBDA_RUNTIME_API is not set: this binary runs inside Lambda (or under the CLI's local runner).");
            return 2;
        }

        var handlerName = environment.GetValueOrDefault("_HANDLER") ?? "";
        var functionName = environment.GetValueOrDefault("AWS_LAMBDA_FUNCTION_NAME") ?? handlerName;
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var runtime = new LambdaRuntimeClient(http, runtimeApi, TimeProvider.System)
        {
            Secrets = [.. SecretVariables.Select(environment.GetValueOrDefault).OfType<string>(), .. HostPassword(environment)],
        };
        // One provider for logs and metrics: both write stdout under its lock, so their lines never interleave.
        // The provider, the services and their clients live as long as the process: Lambda ends it, nothing disposes them.
#pragma warning disable CA2000
        var stdout = new LambdaJsonLoggerProvider(Console.OpenStandardOutput(), MinimumLevel(environment));
#pragma warning restore CA2000
        using var loggers = LoggerFactory.Create(b => b
            .SetMinimumLevel(LogLevel.Trace)
            .AddProvider(stdout));
        var logger = loggers.CreateLogger("S3Connector.Lambda");

        RawHandler handler;
        ConnectorServices services;
        try
        {
            var options = await SsmSecrets.ResolveAsync(ConnectorConfiguration.Load(null, environment), CancellationToken.None);
            if (options.Elasticsearch.ApiKey is { } apiKey)
            {
                runtime.Secrets = [.. runtime.Secrets, apiKey.Reveal()];
            }

            FunctionHost.EnsureKnown(handlerName);
#pragma warning disable CA2000 // for the life of the process, as above
            IWorkQueue queue = FunctionHost.SendsWork(handlerName)
                ? new SqsWorkQueue(SqsClientFactory.Create(options), options.WorkQueueUrl
                    ?? throw new ConfigurationException([new ConfigurationError("work_queue_url", $"required by the {handlerName} handler in Lambda (S3C_WORK_QUEUE_URL)")]),
                    S3Connector.Core.Retries.RetryPolicy.System)
                : new NullWorkQueue();
            services = new ConnectorServices(options, queue, loggers, metrics: new EmfMetrics(stdout, TimeProvider.System));
#pragma warning restore CA2000
            handler = FunctionHost.Select(handlerName, services, loggers);
        }
        catch (Exception e)
        {
            // Anything that stops start-up (bad keys, unknown _HANDLER, SSM unreachable) goes to /init/error, where
            // Lambda shows it as the invocation's error instead of a bare "Runtime exited".
            var errorType = e switch
            {
                ConfigurationException => "ConfigurationError",
                HandlerNotFoundException => "HandlerNotFound",
                _ => e.GetType().Name,
            };
            LogInitFailed(logger, errorType, LambdaError.Redact(e.Message, runtime.Secrets));
            await runtime.ReportInitErrorAsync(errorType, e.Message, CancellationToken.None);
            return 1;
        }

        using (services)
        {
            await runtime.RunAsync(handler, functionName,
                (requestId, e) => LogInvocationFailed(logger, requestId, e.GetType().Name, LambdaError.Redact(e.Message, runtime.Secrets)),
                CancellationToken.None);
        }

        return 0;
    }

    /// <summary>Lambda sets AWS_LAMBDA_LOG_LEVEL from the function's LoggingConfig.ApplicationLogLevel.</summary>
    private static LogLevel MinimumLevel(IReadOnlyDictionary<string, string?> environment) =>
        environment.GetValueOrDefault("AWS_LAMBDA_LOG_LEVEL")?.ToUpperInvariant() switch
        {
            "TRACE" => LogLevel.Trace,
            "DEBUG" => LogLevel.Debug,
            "WARN" => LogLevel.Warning,
            "ERROR" => LogLevel.Error,
            "FATAL" => LogLevel.Critical,
            _ => LogLevel.Information,
        };

    [LoggerMessage(201, LogLevel.Critical, "Start-up failed ({ErrorType}): {Reason}")]
    private static partial void LogInitFailed(ILogger logger, string errorType, string reason);

    [LoggerMessage(202, LogLevel.Error, "Invocation {RequestId} failed ({ErrorType}): {Reason}")]
    private static partial void LogInvocationFailed(ILogger logger, string requestId, string errorType, string reason);
}
