using System.Globalization;
using S3Connector.Core.Jobs;
using S3Connector.Core.Sync;

namespace S3Connector.Cli.Commands;

/// <summary>What the CLI prints: live progress on stderr, the summary on stdout.</summary>
public static class Report
{
    public static void Progress(TextWriter error, SyncProgress progress, TimeSpan elapsed, bool interactive)
    {
        var rate = elapsed.TotalSeconds > 0 ? progress.Listed / elapsed.TotalSeconds : 0;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"[{elapsed:hh\\:mm\\:ss}] ranges {progress.Pages}  listed {progress.Listed}  indexed {progress.Indexed}  skipped {progress.Skipped}  failed {progress.Failed}  {rate:F0} objects/s");
        if (interactive)
        {
            error.Write("\r" + line.PadRight(100));
        }
        else
        {
            error.WriteLine(line);
        }
    }

    public static void Summary(TextWriter output, SyncSummary summary)
    {
        var c = summary.Counters;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Sync {summary.JobId} {summary.Status.Wire()} in {summary.DurationSeconds:F1} s"));
        Row(output, "objects listed", c.Listed);
        Row(output, "indexed", c.Indexed, $"{c.IndexedWithContent} with content");
        Row(output, "unchanged", c.Unchanged, "not downloaded, not written");
        Row(output, "metadata only", c.MetadataOnly.Values.Sum(), Reasons(c.MetadataOnly));
        Row(output, "skipped", c.Skipped.Values.Sum(), Reasons(c.Skipped));
        Row(output, "deleted", c.Deleted);
        Row(output, "failed", c.Failed, c.FailedPages > 0 ? $"{c.FailedPages} key ranges could not be listed" : null);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"downloaded",-16}{c.BytesDownloaded / 1024.0 / 1024.0,10:F1} MiB"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"throughput",-16}{summary.ObjectsPerSecond,10:F1} objects/s"));
        if (summary.Error is not null)
        {
            output.WriteLine($"  error: {summary.Error}");
        }
    }

    private static void Row(TextWriter output, string label, long value, string? detail = null) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {label,-16}{value,10}{(string.IsNullOrEmpty(detail) ? "" : "  (" + detail + ")")}"));

    private static string Reasons(Dictionary<string, long> reasons) =>
        string.Join(", ", reasons.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}: {r.Value}"));
}
