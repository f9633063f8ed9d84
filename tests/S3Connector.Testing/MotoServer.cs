using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SQS;

namespace S3Connector.Testing;

/// <summary>
/// A second, independent S3 stack for tests: moto's <c>moto_server</c> (Python, pinned by <c>scripts/test.sh</c>) on
/// 127.0.0.1 and a free port. fauxqs (<see cref="LocalStack"/>) was patched to the connector's needs; moto was not,
/// so a suite that passes on both is not passing only because of the patches. moto also serves STS and SSM on the
/// same port, which the <c>role_arn</c> and <c>api_key_ssm_parameter</c> paths need. One instance is one process;
/// disposing it kills the process tree. Each instance starts empty.
/// </summary>
public sealed class MotoServer : IS3Stack
{
    /// <summary>The executable looked up on PATH.</summary>
    public const string Executable = "moto_server";

    /// <summary>What installs it, for the error a test shows when it is missing.</summary>
    public const string InstallCommand = "python -m pip install 'moto[server]==5.2.1'";

    /// <summary>Region the created clients use.</summary>
    public const string Region = "us-east-1";

    /// <summary>moto accepts any keys; these are the ones its documentation uses.</summary>
    public const string AccessKey = "testing";

    /// <summary>The secret that goes with <see cref="AccessKey"/>.</summary>
    public const string SecretKey = "testing";

    private const int MaxCapturedStderrChars = 64 * 1024;

    private readonly Process _process;
    private readonly StringBuilder _stderr;
    private readonly HttpClient _http;
    private int _disposed;

    private MotoServer(Process process, StringBuilder stderr, Uri endpoint)
    {
        _process = process;
        _stderr = stderr;
        Endpoint = endpoint;
        _http = new HttpClient { BaseAddress = endpoint, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The server's base address, <c>http://127.0.0.1:PORT/</c>, for every service it emulates.</summary>
    public Uri Endpoint { get; }

    public (string AccessKey, string SecretKey) Keys => (AccessKey, SecretKey);

    /// <summary>What moto wrote to stderr so far (bounded): its request log and any traceback.</summary>
    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>moto_server -H 127.0.0.1 -p PORT</c> on a free port and waits until it answers HTTP. Throws, naming
    /// moto_server and how to install it, when it is not on PATH; with its stderr when it does not come up in time.
    /// </summary>
    public static async Task<MotoServer> StartAsync(TimeSpan? startTimeout = null, CancellationToken ct = default)
    {
        var timeout = startTimeout ?? TimeSpan.FromSeconds(30);
        var path = FindOnPath(Executable) ?? throw new InvalidOperationException(
            $"{Executable} is not on PATH, so the moto tests cannot run. Install it with: {InstallCommand} " +
            "(scripts/test.sh does this when it is missing).");
        // Between freeing the port and moto binding it another process could take it; tests start few servers.
        var port = FreePort();
        var psi = new ProcessStartInfo(path)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in new[] { "-H", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(arg);
        }

        // Buffered Python output would hide a traceback from the error below.
        psi.Environment["PYTHONUNBUFFERED"] = "1";
        var stderr = new StringBuilder();
        var process = new Process { StartInfo = psi };
        DataReceivedEventHandler capture = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (stderr)
            {
                if (stderr.Length < MaxCapturedStderrChars)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.ErrorDataReceived += capture;
        process.OutputDataReceived += capture;
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start {path} ({ex.Message}). Install it with: {InstallCommand}", ex);
        }

        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var server = new MotoServer(process, stderr, new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            await server.WaitUntilAnsweringAsync(timeout, ct);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>An S3 client for this server (path style, us-east-1, <see cref="AccessKey"/>).</summary>
    public IAmazonS3 CreateS3Client(Action<AmazonS3Config>? configure = null)
    {
        var config = new AmazonS3Config
        {
            ServiceURL = Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = Region,
        };
        configure?.Invoke(config);
        return new AmazonS3Client(Credentials, config);
    }

    /// <summary>An SQS client for this server (us-east-1, <see cref="AccessKey"/>).</summary>
    public IAmazonSQS CreateSqsClient(Action<AmazonSQSConfig>? configure = null)
    {
        var config = new AmazonSQSConfig
        {
            ServiceURL = Endpoint.ToString(),
            AuthenticationRegion = Region,
        };
        configure?.Invoke(config);
        return new AmazonSQSClient(Credentials, config);
    }

    /// <summary>The dummy credentials the clients sign with, for clients of other services a test builds.</summary>
    public static AWSCredentials Credentials => new BasicAWSCredentials(AccessKey, SecretKey);

    /// <summary>
    /// moto's whole state (<c>GET /moto-api/data.json</c>), service → resource type → records; e.g.
    /// <c>sts.AssumedRole</c> lists every role assumed, which is how a test sees that STS was called here.
    /// </summary>
    public async Task<JsonObject> GetStateAsync(CancellationToken ct = default)
    {
        var body = await _http.GetStringAsync(new Uri("moto-api/data.json", UriKind.Relative), ct);
        return JsonNode.Parse(body)?.AsObject() ?? throw new InvalidOperationException("moto-api/data.json answered null.");
    }

    /// <summary>Forgets every bucket, queue, parameter and assumed role (<c>POST /moto-api/reset</c>).</summary>
    public async Task ResetAsync(CancellationToken ct = default)
    {
        using var content = new StringContent(string.Empty);
        using var response = await _http.PostAsync(new Uri("moto-api/reset", UriKind.Relative), content, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST moto-api/reset answered {(int)response.StatusCode}.");
        }
    }

    /// <summary>Kills moto and its children (a pyenv shim runs it through a shell), then waits for them.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        _http.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Exiting concurrently.
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task WaitUntilAnsweringAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        using var probe = new HttpClient { BaseAddress = Endpoint, Timeout = TimeSpan.FromSeconds(2) };
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                throw Failure($"exited with code {_process.ExitCode} before it answered");
            }

            try
            {
                using var response = await probe.GetAsync(new Uri("moto-api/", UriKind.Relative), ct);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // The probe timed out: still starting.
            }

            if (deadline.Elapsed > timeout)
            {
                throw Failure($"did not answer GET /moto-api/ within {timeout.TotalSeconds:0.###} s");
            }

            await Task.Delay(200, ct);
        }
    }

    private InvalidOperationException Failure(string reason)
    {
        // Let the stderr reader drain what the process wrote before it died.
        Thread.Sleep(100);
        var captured = StandardError;
        return new InvalidOperationException(
            $"{Executable} on {Endpoint} {reason}. Its stderr:{Environment.NewLine}" + (captured.Length == 0 ? "(empty)" : captured));
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
