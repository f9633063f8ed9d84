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

    /// <summary>
    /// A token that fires <paramref name="margin"/> before the deadline, so work stops cleanly before Lambda kills it;
    /// timed by <paramref name="time"/>, so a test can move the clock across the margin.
    /// </summary>
    public static CancellationTokenSource DeadlineSource(ILambdaContext context, TimeSpan margin, TimeProvider time)
    {
        var left = context.RemainingTime - margin;
        return new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero, time);
    }
}
