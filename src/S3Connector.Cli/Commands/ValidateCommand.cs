using System.Text.Json;
using Elastic.Clients.Elasticsearch;
using Elastic.Transport;
using Microsoft.Extensions.Logging;
using S3Connector.Core;
using S3Connector.Core.Configuration;
using S3Connector.Core.Elasticsearch;
using S3Connector.Core.Rules;
using S3Connector.Core.S3;

namespace S3Connector.Cli.Commands;

/// <summary>
/// <c>validate</c>: the configuration is valid (else exit 2), and S3 and Elasticsearch answer (else exit 1). What
/// works but is unsafe is a warning, which leaves the exit code alone.
/// </summary>
public static class ValidateCommand
{
    public static readonly IReadOnlySet<string> Options = new HashSet<string>(StringComparer.Ordinal) { "--config" };

    public static async Task<int> RunAsync(ConnectorOptions options, ILoggerFactory loggers, TextWriter output, TextWriter error, CancellationToken ct)
    {
        await output.WriteLineAsync("Configuration is valid.");
        using var services = new ConnectorServices(options, new Core.Queue.NullWorkQueue(), loggers);
        var problems = new List<string>();
        var warnings = new List<string>();

        var info = await services.Elasticsearch.InfoAsync(ct);
        if (info.IsValidResponse)
        {
            // Scheme, host and port only: GetLeftPart(Authority) would keep any user info.
            var host = options.Elasticsearch.Host;
            await output.WriteLineAsync($"Elasticsearch {info.Version.Number} answers at {host.Scheme}://{host.Authority}.");
            if (host.Scheme == "http" && (options.Elasticsearch.ApiKey is not null || options.Elasticsearch.Password is not null))
            {
                warnings.Add($"elasticsearch.host is plain http:// and credentials are set: they cross the network unencrypted. Use https:// unless {host.Host} is this machine.");
            }

            warnings.AddRange(await GcDeletesWarningsAsync(services.Elasticsearch, options.IndexName, ct));
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

        foreach (var warning in warnings)
        {
            await error.WriteLineAsync("Warning: " + warning);
        }

        foreach (var problem in problems)
        {
            await error.WriteLineAsync(problem);
        }

        return problems.Count == 0 ? ExitCodes.Success : ExitCodes.Failed;
    }

    /// <summary>
    /// The connector creates its index with index.gc_deletes = <see cref="IndexSetup.GcDeletesSetting"/>, but leaves an
    /// index the user created alone: one that forgets deletes sooner lets a late write of an older reading re-create a
    /// deleted object's document. Nothing to say when the index does not exist yet, or when the cluster does not show
    /// the setting (Serverless hides it and refuses it).
    /// </summary>
    private static async Task<List<string>> GcDeletesWarningsAsync(ElasticsearchClient client, string index, CancellationToken ct)
    {
        var response = await client.Transport.RequestAsync<StringResponse>(
            Elastic.Transport.HttpMethod.GET,
            $"/{Uri.EscapeDataString(index)}/_settings?include_defaults=true&filter_path=*.settings.index.gc_deletes,*.defaults.index.gc_deletes",
            null, ct);
        var details = response.ApiCallDetails;
        if (details.HttpStatusCode == 404)
        {
            return [];
        }

        if (!details.HasSuccessfulStatusCode)
        {
            return [$"index.gc_deletes of index '{index}' could not be checked: {ElasticsearchErrors.Describe(details, "settings request")}"];
        }

        var warnings = new List<string>();
        using var settings = JsonDocument.Parse(response.Body);
        // An alias answers with each of its indices.
        foreach (var concrete in settings.RootElement.EnumerateObject())
        {
            var value = GcDeletesOf(concrete.Value, "settings") ?? GcDeletesOf(concrete.Value, "defaults");
            if (value is not null && TimeValues.TryParse(value, out var kept) && kept < IndexSetup.GcDeletes)
            {
                warnings.Add(
                    $"index '{concrete.Name}' forgets a deleted document's version after index.gc_deletes = {value}, sooner than the "
                    + $"{IndexSetup.GcDeletesSetting} the connector needs: a write of an older S3 reading arriving later than that after a delete "
                    + $"re-creates the deleted object's document until the next full sync. Fix: PUT /{concrete.Name}/_settings "
                    + $"{{\"index\":{{\"gc_deletes\":\"{IndexSetup.GcDeletesSetting}\"}}}}");
            }
        }

        return warnings;
    }

    private static string? GcDeletesOf(JsonElement index, string section) =>
        index.TryGetProperty(section, out var s) && s.TryGetProperty("index", out var i) && i.TryGetProperty("gc_deletes", out var v)
            && v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : null;
}
