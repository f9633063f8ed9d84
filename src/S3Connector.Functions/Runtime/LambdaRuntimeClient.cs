using System.Globalization;
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

    public async Task ReportInitErrorAsync(string errorType, string message, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(new Uri(_base, "init/error"),
            new LambdaError { ErrorType = errorType, ErrorMessage = message }, FunctionJson.Default.LambdaError, ct);
    }

    /// <summary>Serves invocations until <paramref name="ct"/> is cancelled (in Lambda: until the sandbox is frozen for good).</summary>
    public async Task RunAsync(RawHandler handler, string functionName, Action<string, Exception> onError, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            using var next = await http.GetAsync(new Uri(_base, "invocation/next"), HttpCompletionOption.ResponseContentRead, ct);
            next.EnsureSuccessStatusCode();
            var requestId = Header(next, "Lambda-Runtime-Aws-Request-Id") ?? throw new InvalidOperationException("The Runtime API sent no request id.");
            var deadlineMs = long.Parse(Header(next, "Lambda-Runtime-Deadline-Ms") ?? "0", CultureInfo.InvariantCulture);
            var arn = Header(next, "Lambda-Runtime-Invoked-Function-Arn") ?? "";
            if (Header(next, "Lambda-Runtime-Trace-Id") is { } trace)
            {
                // The X-Ray SDK and the AWS SDK read the trace id from here.
                Environment.SetEnvironmentVariable("_X_AMZN_TRACE_ID", trace);
            }

            var input = await next.Content.ReadAsByteArrayAsync(ct);
            var context = new LambdaContext(requestId, functionName, arn, DateTimeOffset.FromUnixTimeMilliseconds(deadlineMs), time);
            byte[] output;
            try
            {
                output = await handler(input, context);
            }
            catch (Exception e)
            {
                onError(requestId, e);
                using var failed = await http.PostAsJsonAsync(new Uri(_base, $"invocation/{requestId}/error"),
                    new LambdaError { ErrorType = e.GetType().Name, ErrorMessage = e.Message }, FunctionJson.Default.LambdaError, ct);
                continue;
            }

            using var content = new ByteArrayContent(output);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = Encoding.UTF8.WebName };
            using var answered = await http.PostAsync(new Uri(_base, $"invocation/{requestId}/response"), content, ct);
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
