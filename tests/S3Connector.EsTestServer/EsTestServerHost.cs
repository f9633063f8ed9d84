using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Hosting;
using S3Connector.EsTestServer.Bulk;
using S3Connector.EsTestServer.Cluster;
using S3Connector.EsTestServer.Documents;
using S3Connector.EsTestServer.Faults;
using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices;
using S3Connector.EsTestServer.Ingest;
using S3Connector.EsTestServer.Search;

namespace S3Connector.EsTestServer;

/// <summary>
/// An in-memory, single-node Elasticsearch emulation served over real HTTP on 127.0.0.1, for tests that drive
/// the official client. See README.md for what is and is not emulated.
/// </summary>
public sealed class EsTestServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RefreshScheduler _refresher;
    private readonly RequestLog _log;

    private EsTestServerHost(WebApplication app, RefreshScheduler refresher, RequestLog log, EsFaults faults, Uri url)
    {
        _app = app;
        _refresher = refresher;
        _log = log;
        Faults = faults;
        Url = url;
    }

    /// <summary>Base address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Url { get; }

    /// <summary>Fault injection (also reachable over HTTP at /_test/faults).</summary>
    public EsFaults Faults { get; }

    /// <summary>Requests answered so far, oldest first (bounded by <see cref="EsTestServerOptions.MaxRecordedRequests"/>).</summary>
    public IReadOnlyList<EsRecordedRequest> Requests => _log.Snapshot();

    /// <summary>Forgets the recorded requests.</summary>
    public void ClearRequests() => _log.Clear();

    public static async Task<EsTestServerHost> StartAsync(EsTestServerOptions? options = null, CancellationToken ct = default)
    {
        options ??= new EsTestServerOptions();
        var cluster = new ClusterState(options.RefreshInterval);
        var faults = new EsFaults();
        var log = new RequestLog(options.MaxRecordedRequests);
        var dispatcher = new EsDispatcher(BuildRouter(cluster, faults), faults, log, new FaultControlEndpoint(faults, log), options.ApiKey);

        // The empty builder reads no configuration or environment, so the host behaves the same everywhere.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());

        // The default console lifetime would swallow SIGINT/SIGTERM for the whole (test) process.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                if (options.Certificate is { } certificate)
                {
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = certificate,
                        ServerCertificateChain = options.CertificateChain,
                    });
                }
            });
        });
        var app = builder.Build();
        app.Run(dispatcher.HandleAsync);
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new EsTestServerHost(app, new RefreshScheduler(cluster), log, faults, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _refresher.DisposeAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>A host lifetime that leaves process signals alone: the owner decides when to stop.</summary>
    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static Router BuildRouter(ClusterState cluster, EsFaults faults)
    {
        var router = new Router();
        ClusterEndpoints.Map(router, cluster);
        IndicesEndpoints.Map(router, cluster);
        DocumentEndpoints.Map(router, cluster);
        MultiGet.Map(router, cluster);
        BulkEndpoint.Map(router, cluster, faults);
        SearchEndpoints.Map(router, cluster);
        DeleteByQuery.Map(router, cluster);
        Pipelines.Map(router, cluster);
        return router;
    }
}
