using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using S3Connector.Testing;

namespace S3Connector.Bench;

/// <summary>
/// <c>s3-connector sync</c> run in the bench process through <see cref="Cli.Program.RunAsync"/>, as the CLI's Main
/// runs it, with its summary kept so counters can be read by name.
/// </summary>
public static partial class CliSync
{
    /// <summary>A configuration file for a sync of <paramref name="bucket"/> on the local stack into <paramref name="index"/>.</summary>
    public static string WriteConfig(LocalStack aws, Uri es, string bucket, string index, Action<JsonObject>? tweak = null)
    {
        var config = new JsonObject
        {
            ["buckets"] = new JsonArray(bucket),
            ["index_name"] = index,
            ["endpoint_url"] = aws.Endpoint.ToString().TrimEnd('/'),
            ["aws_access_key_id"] = "test",
            ["aws_secret_access_key"] = "test",
            ["elasticsearch"] = new JsonObject { ["host"] = es.ToString() },
        };
        tweak?.Invoke(config);
        var path = Path.Combine(Path.GetTempPath(), $"bench-{index}.json");
        File.WriteAllText(path, config.ToJsonString());
        return path;
    }

    public static async Task<CliSyncResult> RunAsync(IReadOnlyList<string> args, TimeSpan timeout)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        // A sync that hangs is a sync that did not complete: the CLI answers the cancellation with exit code 1.
        using var cancel = new CancellationTokenSource(timeout);
        var clock = Stopwatch.StartNew();
        var exit = await Cli.Program.RunAsync([.. args], new Dictionary<string, string?>(), output, error, cancel.Token);
        var elapsed = clock.Elapsed;
        return new CliSyncResult(exit, elapsed, output.ToString(), error.ToString());
    }

    [GeneratedRegex(@"^Sync (?<job>\S+) (?<status>\S+) in ", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    internal static partial Regex StatusLine();

    /// <summary>A summary row: <c>  label   12345</c>, a label of words and a whole number (rows with units are left out).</summary>
    [GeneratedRegex(@"^  (?<label>[a-z][a-z_ ]*?)\s+(?<value>\d+)(\s|$)", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    internal static partial Regex CounterRow();
}

/// <summary>
/// What one CLI sync did. Counters are read by their job-document name (<c>listed</c>, <c>indexed</c>,
/// <c>unchanged</c>, <c>deleted</c>, <c>bytes_downloaded</c>, ...): from the job document when the caller read it
/// (<see cref="WithJobCounters"/>), else from the summary's row of that name, so counters the engine adds or drops
/// are simply present or absent.
/// </summary>
public sealed class CliSyncResult
{
    private readonly Dictionary<string, long> _rows = new(StringComparer.Ordinal);
    private JsonObject? _jobCounters;

    public CliSyncResult(int exitCode, TimeSpan elapsed, string output, string error)
    {
        ExitCode = exitCode;
        Elapsed = elapsed;
        Output = output;
        Error = error;
        var status = CliSync.StatusLine().Match(output);
        JobId = status.Success ? status.Groups["job"].Value : null;
        Status = status.Success ? status.Groups["status"].Value : null;
        foreach (Match row in CliSync.CounterRow().Matches(output))
        {
            var label = row.Groups["label"].Value;
            _rows[label == "objects listed" ? "listed" : label.Replace(' ', '_')] = long.Parse(row.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
    }

    public int ExitCode { get; }

    public TimeSpan Elapsed { get; }

    public string Output { get; }

    public string Error { get; }

    public string? JobId { get; }

    public string? Status { get; }

    public bool Completed => ExitCode == 0 && Status == "completed";

    /// <summary>The <c>counters</c> object of the job document, which has every counter exactly (bytes too).</summary>
    public void WithJobCounters(JsonObject? counters) => _jobCounters = counters;

    public long? Counter(string name)
    {
        if (_jobCounters?[name] is JsonValue value && value.TryGetValue<long>(out var exact))
        {
            return exact;
        }

        return _rows.TryGetValue(name, out var row) ? row : null;
    }

    /// <summary>The sync's own words, for a failure message.</summary>
    public string Transcript => $"exit code {ExitCode}{Environment.NewLine}{Output}{Error}";
}
