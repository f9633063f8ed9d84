using S3Connector.EsTestServer.Cluster;

namespace S3Connector.EsTestServer.Indices;

/// <summary>
/// ES's periodic refresh: every index with unrefreshed changes is refreshed once its refresh interval has
/// elapsed since its last refresh. Indices with no interval (-1, or the server default disabled) are skipped.
/// </summary>
internal sealed class RefreshScheduler : IAsyncDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RefreshScheduler(ClusterState cluster) => _loop = RunAsync(cluster, _stop.Token);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // Stopping is the expected way out of the loop.
        }

        _stop.Dispose();
    }

    private static async Task RunAsync(ClusterState cluster, CancellationToken token)
    {
        using var timer = new PeriodicTimer(Tick);
        while (await timer.WaitForNextTickAsync(token))
        {
            var now = DateTime.UtcNow;
            foreach (var index in cluster.Indices)
            {
                if (index.RefreshInterval is { } interval && now - index.LastRefresh >= interval && index.HasUnrefreshedChanges)
                {
                    index.Refresh();
                }
            }
        }
    }
}
