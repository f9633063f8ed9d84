using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace S3Connector.LambdaTests;

/// <summary>What the bootstrap posted for one invocation: its response body or its error.</summary>
public sealed record InvocationResult(string RequestId, bool IsError, string Body, string? ErrorTypeHeader);

/// <summary>
/// A stand-in for Lambda's Runtime API (2018-06-01) on 127.0.0.1: hands out queued invocations on
/// <c>/invocation/next</c> and records what comes back on <c>/response</c>, <c>/error</c> and <c>/init/error</c>.
/// HttpListener reads chunked bodies, which is what HttpClient sends for JSON content.
/// </summary>
public sealed class FakeRuntimeApi : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Channel<(string Id, string Payload, DateTimeOffset Deadline)> _pending = Channel.CreateUnbounded<(string, string, DateTimeOffset)>();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<InvocationResult>> _results = new();
    private readonly TaskCompletionSource<InvocationResult> _initError = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstPoll = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public FakeRuntimeApi()
    {
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    /// <summary>The value of AWS_LAMBDA_RUNTIME_API.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Completes when the bootstrap first asks for an invocation (its start-up is over).</summary>
    public Task FirstPoll => _firstPoll.Task;

    public Task<InvocationResult> InitError => _initError.Task;

    /// <summary>Queues an invocation and returns the task of its answer.</summary>
    public Task<InvocationResult> Invoke(string payload, TimeSpan timeout, string? requestId = null)
    {
        var id = requestId ?? Guid.NewGuid().ToString();
        var result = _results.GetOrAdd(id, _ => new TaskCompletionSource<InvocationResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        _pending.Writer.TryWrite((id, payload, DateTimeOffset.UtcNow + timeout));
        return result.Task;
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }

            // /next blocks until an invocation is queued, so every request is served on its own task.
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        var response = context.Response;
        try
        {
            const string prefix = "/2018-06-01/runtime/";
            if (!path.StartsWith(prefix, StringComparison.Ordinal))
            {
                response.StatusCode = 404;
                return;
            }

            var rest = path[prefix.Length..];
            if (rest == "invocation/next" && context.Request.HttpMethod == "GET")
            {
                _firstPoll.TrySetResult();
                var (id, payload, deadline) = await _pending.Reader.ReadAsync(_stop.Token);
                response.AddHeader("Lambda-Runtime-Aws-Request-Id", id);
                response.AddHeader("Lambda-Runtime-Deadline-Ms", deadline.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
                response.AddHeader("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:test");
                response.AddHeader("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1");
                var bytes = Encoding.UTF8.GetBytes(payload);
                response.ContentType = "application/json";
                await response.OutputStream.WriteAsync(bytes, _stop.Token);
                return;
            }

            var body = await new StreamReader(context.Request.InputStream, Encoding.UTF8).ReadToEndAsync(_stop.Token);
            var errorType = context.Request.Headers["Lambda-Runtime-Function-Error-Type"];
            if (rest == "init/error")
            {
                _initError.TrySetResult(new InvocationResult("", true, body, errorType));
                response.StatusCode = 202;
                return;
            }

            var parts = rest.Split('/');
            if (parts is ["invocation", var requestId, "response" or "error"])
            {
                var result = new InvocationResult(requestId, parts[2] == "error", body, errorType);
                _results.GetOrAdd(requestId, _ => new TaskCompletionSource<InvocationResult>(TaskCreationOptions.RunContinuationsAsynchronously))
                    .TrySetResult(result);
                response.StatusCode = 202;
                return;
            }

            response.StatusCode = 404;
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
            response.StatusCode = 500;
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (HttpListenerException)
            {
                // The bootstrap went away first.
            }
            catch (ObjectDisposedException)
            {
                // Disposed while stopping.
            }
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception)
        {
            // Stopping: nothing left to report.
        }

        _stop.Dispose();
    }
}
