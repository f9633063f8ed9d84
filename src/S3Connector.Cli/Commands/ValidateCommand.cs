using Microsoft.Extensions.Logging;
using S3Connector.Core;
using S3Connector.Core.Configuration;
using S3Connector.Core.Elasticsearch;
using S3Connector.Core.Rules;
using S3Connector.Core.S3;

namespace S3Connector.Cli.Commands;

/// <summary><c>validate</c>: the configuration is valid (else exit 2), and S3 and Elasticsearch answer (else exit 1).</summary>
public static class ValidateCommand
{
    public static readonly IReadOnlySet<string> Options = new HashSet<string>(StringComparer.Ordinal) { "--config" };

    public static async Task<int> RunAsync(ConnectorOptions options, ILoggerFactory loggers, TextWriter output, TextWriter error, CancellationToken ct)
    {
        await output.WriteLineAsync("Configuration is valid.");
        using var services = new ConnectorServices(options, new Core.Queue.NullWorkQueue(), loggers);
        var problems = new List<string>();

        var info = await services.Elasticsearch.InfoAsync(ct);
        if (info.IsValidResponse)
        {
            await output.WriteLineAsync($"Elasticsearch {info.Version.Number} answers at {options.Elasticsearch.Host.GetLeftPart(UriPartial.Authority)}.");
        }
        else
        {
            problems.Add(ElasticsearchErrors.Describe(info.ApiCallDetails, "info request"));
        }

        // Probe what a sync would list: with advanced rules, each rule's prefix (a role may only list those).
        var targets = options.AdvancedSyncRules.Count > 0
            ? SyncRules.ListingTargets(options.AdvancedSyncRules).Select(t => (t.Bucket, t.Prefix)).ToList()
            : options.Buckets.Select(b => (Bucket: b, Prefix: "")).ToList();
        foreach (var (bucket, prefix) in targets)
        {
            try
            {
                if (bucket == "*")
                {
                    var all = await services.S3.ListBucketsAsync(ct);
                    await output.WriteLineAsync($"S3 answers: {all.Count} buckets can be listed.");
                    continue;
                }

                await services.S3.ProbeBucketAsync(bucket, null, prefix, ct);
                await output.WriteLineAsync(prefix.Length == 0
                    ? $"S3 bucket '{bucket}' can be listed."
                    : $"S3 bucket '{bucket}' can be listed under '{prefix}'.");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                problems.Add(S3Errors.IsNoSuchBucket(e) ? $"Bucket '{bucket}' does not exist." : $"Bucket '{bucket}' cannot be listed: {S3Errors.Describe(e)}.");
            }
        }

        foreach (var problem in problems)
        {
            await error.WriteLineAsync(problem);
        }

        return problems.Count == 0 ? ExitCodes.Success : ExitCodes.Failed;
    }
}
