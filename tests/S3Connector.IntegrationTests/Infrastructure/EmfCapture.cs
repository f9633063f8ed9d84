using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using S3Connector.Functions.Runtime;

namespace S3Connector.IntegrationTests.Infrastructure;

/// <summary>The Lambda's metrics writer over a buffer instead of stdout, and what it wrote, line by line.</summary>
public sealed class EmfCapture : IDisposable
{
    private readonly MemoryStream _stdout = new();
    private readonly LambdaJsonLoggerProvider _provider;

    public EmfCapture()
    {
        _provider = new LambdaJsonLoggerProvider(_stdout, LogLevel.Information);
        Metrics = new EmfMetrics(_provider, TimeProvider.System);
    }

    public EmfMetrics Metrics { get; }

    public List<JsonObject> Reports => [.. Encoding.UTF8.GetString(_stdout.ToArray())
        .Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => JsonNode.Parse(l)!.AsObject())];

    public double Sum(string metric) => Reports.Where(r => r.ContainsKey(metric)).Sum(r => r[metric]!.GetValue<double>());

    public void Dispose()
    {
        _provider.Dispose();
        _stdout.Dispose();
    }
}
