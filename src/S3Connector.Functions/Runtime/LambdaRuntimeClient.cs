using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using S3Connector.Functions.Events;

namespace S3Connector.Functions.Runtime;

/// <summary>A handler as the runtime loop sees it: the raw event in, the raw response out.</summary>
public delegate Task<byte[]> RawHandler(byte[] input, ILambdaContext context);

/// <summary>
/// The Lambda Runtime API (2018-06-01) client: fetch the next invocation, answer it, report errors. Written here
/// because the Amazon.Lambda.* packages are not available to this project; the shapes follow them.
/// </summary>
public sealed class LambdaRuntimeClient(HttpClient http, string runtimeApi, TimeProvider time)
{
    private readonly Uri _base = new($"http://{runtimeApi}/2018-06-01/runtime/");

    /// <summary>Secret values blanked from every error sent to the Runtime API.</summary>
    public IReadOnlyCollection<string> Secrets { get; set; } = [];

    /// <summary>Start-up failed: Lambda records the error, fails the pending invocation and restarts the sandbox.</summary>
    public Task ReportInitErrorAsync(string errorType, string message, CancellationToken ct) =>
        PostErrorAsync(new Uri(_base, "init/error"),
            new LambdaError { ErrorType = errorType, ErrorMessage = LambdaError.Redact(message, Secrets) }, ct);

    /// <summary>Serves invocations until <paramref name="ct"/> is cancelled (in Lambda: until the sandbox is frozen for good).</summary>
    public async Task RunAsync(RawHandler handler, string functionName, Action<string, Exception> onError, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            // A failure here (the Runtime API gone) ends the process: Lambda starts a new sandbox.
            using var next = await http.GetAsync(new Uri(_base, "invocation/next"), HttpCompletionOption.ResponseContentRead, ct);
            next.EnsureSuccessStatusCode();
            var requestId = Header(next, "Lambda-Runtime-Aws-Request-Id") ?? throw new InvalidOperationException("The Runtime API sent no request id.");
            var deadlineMs = long.Parse(Header(next, "Lambda-Runtime-Deadline-Ms") ?? "0", CultureInfo.InvariantCulture);
            var arn = Header(next, "Lambda-Runtime-Invoked-Function-Arn") ?? "";
            var trace = Header(next, "Lambda-Runtime-Trace-Id") ?? "";
            // The X-Ray SDK and the AWS SDK read the trace id from here; cleared so one invocation's id never leaks into the next.
            Environment.SetEnvironmentVariable("_X_AMZN_TRACE_ID", trace.Length == 0 ? null : trace);
            LambdaJsonLogger.RequestId = requestId;

            var input = await next.Content.ReadAsByteArrayAsync(ct);
            var context = new LambdaContext(requestId, functionName, arn, DateTimeOffset.FromUnixTimeMilliseconds(deadlineMs), time, trace);
            byte[] output;
            try
            {
                output = await handler(input, context);
            }
            catch (Exception e)
            {
                onError(requestId, e);
                await PostErrorAsync(new Uri(_base, $"invocation/{requestId}/error"), LambdaError.From(e, Secrets), ct);
                continue;
            }
            finally
            {
                LambdaJsonLogger.RequestId = null;
            }

            using var content = new ByteArrayContent(output);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = Encoding.UTF8.WebName };
            using var answered = await http.PostAsync(new Uri(_base, $"invocation/{requestId}/response"), content, ct);
        }
    }

    private async Task PostErrorAsync(Uri uri, LambdaError error, CancellationToken ct)
    {
        using var content = JsonContent.Create(error, FunctionJson.Default.LambdaError);
        // Lambda reports this header as the function error type (e.g. in the Invoke response's X-Amz-Function-Error).
        content.Headers.Add("Lambda-Runtime-Function-Error-Type", error.ErrorType);
        using var response = await http.PostAsync(uri, content, ct);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
