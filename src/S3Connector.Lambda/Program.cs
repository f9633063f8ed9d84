using Amazon.SQS;
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
    public static async Task<int> Main()
    {
        var environment = ConnectorConfiguration.ProcessEnvironment();
        var runtimeApi = environment.GetValueOrDefault("AWS_LAMBDA_RUNTIME_API")
            ?? throw new InvalidOperationException("AWS_LAMBDA_RUNTIME_API is not set: this binary runs inside Lambda.");
        var handlerName = environment.GetValueOrDefault("_HANDLER") ?? "";
        var functionName = environment.GetValueOrDefault("AWS_LAMBDA_FUNCTION_NAME") ?? handlerName;
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var runtime = new LambdaRuntimeClient(http, runtimeApi, TimeProvider.System);
        using var loggers = LoggerFactory.Create(b => b.AddJsonConsole().SetMinimumLevel(LogLevel.Information));
        var logger = loggers.CreateLogger("S3Connector.Lambda");

        RawHandler handler;
        ConnectorServices services;
        try
        {
            var options = await SsmSecrets.ResolveAsync(ConnectorConfiguration.Load(null, environment), CancellationToken.None);
            var queueUrl = options.WorkQueueUrl
                ?? throw new ConfigurationException([new ConfigurationError("work_queue_url", "required in Lambda (S3C_WORK_QUEUE_URL)")]);
            var sqs = new AmazonSQSClient();
            services = new ConnectorServices(options, new SqsWorkQueue(sqs, queueUrl), loggers);
            handler = FunctionHost.Select(handlerName, services, loggers);
        }
        catch (Exception e) when (e is ConfigurationException or ArgumentException)
        {
            LogInitFailed(logger, e.Message);
            await runtime.ReportInitErrorAsync(e is ConfigurationException ? "ConfigurationError" : "HandlerNotFound", e.Message, CancellationToken.None);
            return 1;
        }

        using (services)
        {
            await runtime.RunAsync(handler, functionName, (requestId, e) => LogInvocationFailed(logger, requestId, e.GetType().Name, e.Message), CancellationToken.None);
        }

        return 0;
    }

    [LoggerMessage(201, LogLevel.Critical, "Start-up failed: {Reason}")]
    private static partial void LogInitFailed(ILogger logger, string reason);

    [LoggerMessage(202, LogLevel.Error, "Invocation {RequestId} failed ({ErrorType}): {Reason}")]
    private static partial void LogInvocationFailed(ILogger logger, string requestId, string errorType, string reason);
}
