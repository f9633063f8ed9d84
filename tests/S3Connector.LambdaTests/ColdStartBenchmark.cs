using System.Diagnostics;
using System.Globalization;
using S3Connector.Testing;
using Xunit.Abstractions;

namespace S3Connector.LambdaTests;

/// <summary>
/// Cold start as Lambda sees it: process start until the first invocation is answered (an empty SQS batch, so the
/// time is start-up, configuration, client construction and one Runtime API round trip). A measurement, not a test:
/// it runs only when S3C_COLDSTART_RUNS is set, e.g.
/// <c>S3C_COLDSTART_RUNS=20 dotnet test tests/S3Connector.LambdaTests --filter ColdStart --logger "console;verbosity=detailed"</c>.
/// </summary>
public sealed class ColdStartBenchmark(ITestOutputHelper output)
{
    [Fact]
    public async Task ColdStart_native_aot_against_jit()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("S3C_COLDSTART_RUNS"), out var runs) || runs <= 0)
        {
            return;
        }

        var variants = new[]
        {
            ("Native AOT", Path.Combine(LocalStack.RepoRoot, "artifacts", "bootstrap", "linux-x64", "bootstrap")),
            ("JIT, self-contained", Path.Combine(LocalStack.RepoRoot, "artifacts", "bootstrap-jit", "linux-x64", "bootstrap")),
        };
        var lines = new List<string> { $"runs per variant: {runs} (after 2 warm-ups)" };
        foreach (var (name, path) in variants)
        {
            if (!File.Exists(path))
            {
                lines.Add($"{name}: {path} missing (scripts/publish-lambda.sh)");
                continue;
            }

            var times = new List<double>();
            for (var i = 0; i < runs + 2; i++)
            {
                var elapsed = await MeasureAsync(path);
                if (i >= 2)
                {
                    times.Add(elapsed.TotalMilliseconds);
                }
            }

            times.Sort();
            var size = Directory.GetFiles(Path.GetDirectoryName(path)!).Sum(f => new FileInfo(f).Length);
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"{name}: median {times[times.Count / 2]:F0} ms, min {times[0]:F0} ms, max {times[^1]:F0} ms; package {size / 1024.0 / 1024.0:F1} MiB unzipped"));
        }

        foreach (var line in lines)
        {
            output.WriteLine(line);
        }

        await File.WriteAllLinesAsync(Path.Combine(LocalStack.RepoRoot, "artifacts", "coldstart.txt"), lines);
    }

    private static async Task<TimeSpan> MeasureAsync(string path)
    {
        await using var runtime = new FakeRuntimeApi();
        var answered = runtime.Invoke("""{"Records":[]}""", TimeSpan.FromMinutes(1));
        var clock = Stopwatch.StartNew();
        await using var process = BootstrapProcess.Start(path, runtime, new Dictionary<string, string>
        {
            ["_HANDLER"] = "worker",
            ["S3C_BUCKETS"] = "bench",
            ["S3C_INDEX_NAME"] = "bench",
            ["S3C_ENDPOINT_URL"] = "http://127.0.0.1:9",
            ["S3C_AWS_ACCESS_KEY_ID"] = "test",
            ["S3C_AWS_SECRET_ACCESS_KEY"] = "test",
            ["S3C_ELASTICSEARCH__HOST"] = "http://127.0.0.1:9",
            ["S3C_WORK_QUEUE_URL"] = "http://127.0.0.1:9/000000000000/work",
        });
        var result = await process.WaitAsync(answered, TimeSpan.FromSeconds(30));
        clock.Stop();
        Assert.False(result.IsError, result.Body);
        return clock.Elapsed;
    }
}
