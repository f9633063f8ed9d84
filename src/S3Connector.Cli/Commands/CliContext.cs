using S3Connector.Functions.Runtime;

namespace S3Connector.Cli.Commands;

/// <summary>The Lambda context the CLI hands to the real handlers: no deadline but the user's Ctrl+C.</summary>
public sealed class CliContext(string functionName) : ILambdaContext
{
    public string AwsRequestId { get; } = Guid.NewGuid().ToString();
    public string FunctionName => functionName;
    public string InvokedFunctionArn => "cli:" + functionName;
    public TimeSpan RemainingTime => TimeSpan.FromDays(1);
}
