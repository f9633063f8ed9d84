namespace S3Connector.Functions.Runtime;

/// <summary>
/// The subset of Amazon.Lambda.Core.ILambdaContext the handlers use, with the same member names, so that moving to
/// the official packages is a change of using directives.
/// </summary>
public interface ILambdaContext
{
    string AwsRequestId { get; }
    string FunctionName { get; }
    string InvokedFunctionArn { get; }
    TimeSpan RemainingTime { get; }

    /// <summary>The X-Ray trace header of this invocation (also in <c>_X_AMZN_TRACE_ID</c>), or empty.</summary>
    string TraceId => "";
}

public sealed class LambdaContext(
    string requestId, string functionName, string functionArn, DateTimeOffset deadline, TimeProvider time, string traceId = "")
    : ILambdaContext
{
    public string AwsRequestId => requestId;
    public string FunctionName => functionName;
    public string InvokedFunctionArn => functionArn;
    public TimeSpan RemainingTime => deadline - time.GetUtcNow();
    public string TraceId => traceId;

    /// <summary>A token that fires <paramref name="margin"/> before the deadline, so work stops cleanly before Lambda kills it.</summary>
    public static CancellationTokenSource DeadlineSource(ILambdaContext context, TimeSpan margin)
    {
        var left = context.RemainingTime - margin;
        return new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero);
    }
}

/// <summary>The error body of the Runtime API's /error and /init/error calls.</summary>
public sealed class LambdaError
{
    [System.Text.Json.Serialization.JsonPropertyName("errorType")] public string ErrorType { get; set; } = "";
    [System.Text.Json.Serialization.JsonPropertyName("errorMessage")] public string ErrorMessage { get; set; } = "";

    /// <summary>
    /// The error Lambda shows to whoever invoked the function (and in the console): the exception's type and message
    /// with every known secret value blanked, because SDK and HTTP messages may echo a URL or header carrying one.
    /// </summary>
    public static LambdaError From(Exception exception, IEnumerable<string> secrets) => new()
    {
        ErrorType = exception.GetType().Name,
        ErrorMessage = Redact(exception.Message, secrets),
    };

    public static string Redact(string message, IEnumerable<string> secrets)
    {
        foreach (var secret in secrets)
        {
            // Very short values would blank ordinary words; real keys and passwords are longer.
            if (secret.Length >= 4)
            {
                message = message.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return message;
    }
}
