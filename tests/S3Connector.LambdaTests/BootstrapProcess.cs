using System.Diagnostics;
using System.Text;
using S3Connector.Testing;

namespace S3Connector.LambdaTests;

/// <summary>The published <c>bootstrap</c> binary run as Lambda would run it: environment in, Runtime API address given.</summary>
public sealed class BootstrapProcess : IAsyncDisposable
{
    /// <summary>Overrides where the binary is looked for (for the JIT build, or a binary built elsewhere).</summary>
    public const string PathVariable = "S3C_BOOTSTRAP_PATH";

    public static string DefaultPath => Path.Combine(LocalStack.RepoRoot, "artifacts", "bootstrap", "linux-x64", "bootstrap");

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private BootstrapProcess(Process process)
    {
        _process = process;
    }

    public Process Process => _process;

    public string Stdout
    {
        get { lock (_stdout) { return _stdout.ToString(); } }
    }

    public string Stderr
    {
        get { lock (_stderr) { return _stderr.ToString(); } }
    }

    /// <summary>The binary under test; fails the test with the command that builds it when it is missing.</summary>
    public static string Locate()
    {
        var path = Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } custom ? custom : DefaultPath;
        if (!File.Exists(path))
        {
            Assert.Fail($"The published bootstrap is missing at {path}. Build it first with `scripts/publish-lambda.sh` " +
                        $"(Native AOT, about 3 minutes), or point {PathVariable} at a published bootstrap.");
        }

        return path;
    }

    public static BootstrapProcess Start(string path, FakeRuntimeApi runtime, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Only what a Lambda sandbox would set: nothing from the developer's shell may configure the connector.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("S3C_", StringComparison.Ordinal) || k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["AWS_LAMBDA_RUNTIME_API"] = runtime.Address;
        info.Environment["AWS_REGION"] = LocalStack.Region;
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var result = new BootstrapProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (result._stdout) { result._stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (result._stderr) { result._stderr.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Waits for <paramref name="task"/>, failing with the process's output if it takes too long.</summary>
    public async Task<T> WaitAsync<T>(Task<T> task, TimeSpan timeout)
    {
        var exited = _process.WaitForExitAsync();
        var finished = await Task.WhenAny(task, exited, Task.Delay(timeout));
        if (finished == task)
        {
            return await task;
        }

        if (finished == exited && task.IsCompleted)
        {
            return await task;
        }

        Assert.Fail((finished == exited ? $"bootstrap exited with {_process.ExitCode}" : $"no answer within {timeout}") +
                    $"\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        throw new InvalidOperationException("unreachable");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
