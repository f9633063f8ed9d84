using Microsoft.Extensions.Logging.Abstractions;
using S3Connector.Cli.Queue;
using S3Connector.Core;
using S3Connector.Core.Configuration;
using S3Connector.Core.Diagnostics;
using S3Connector.Core.Elasticsearch;
using S3Connector.Core.Jobs;
using S3Connector.Core.Queue;
using S3Connector.Core.Retries;
using S3Connector.Core.Sync;
using S3Connector.Functions.Handlers;

namespace S3Connector.IntegrationTests.Infrastructure;

/// <summary>The CLI's sync loop (scheduler and worker handlers over the in-process queue), with decorators in between.</summary>
public static class InProcessSync
{
    public static async Task<SyncSummary> RunAsync(
        ConnectorOptions options,
        Func<IWorkQueue, IWorkQueue>? decorateQueue = null,
        Func<IDocumentSink, IDocumentSink>? decorateSink = null,
        int consumers = 4,
        IConnectorMetrics? metrics = null)
    {
        var queue = new InProcessWorkQueue(options.WorkMaxReceiveCount);
        var sink = decorateSink?.Invoke(new ElasticsearchSink(ElasticsearchClientFactory.Create(options.Elasticsearch), options,
            RetryPolicy.System, NullLogger<ElasticsearchSink>.Instance));
        using var services = new ConnectorServices(options, decorateQueue?.Invoke(queue) ?? queue, NullLoggerFactory.Instance, sink, metrics: metrics);
        var worker = new WorkerFunction(services, NullLogger<WorkerFunction>.Instance);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var context = new Cli.Commands.CliContext("WorkerFunction");
        var consuming = queue.RunConsumersAsync(consumers, e => worker.HandleAsync(e, context), stop.Token);
        var start = await new SchedulerFunction(services, JobRunner.InProcess).HandleAsync(null, new Cli.Commands.CliContext("SchedulerFunction"));
        try
        {
            while (true)
            {
                await Task.Delay(100, stop.Token);
                if (await services.Jobs.GetJobAsync(start.JobId, stop.Token) is var (job, _) && job.Status.IsTerminal())
                {
                    return JobCompletion.Summarize(job);
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await consuming;
        }
    }
}
