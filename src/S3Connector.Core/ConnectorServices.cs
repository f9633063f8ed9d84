using Elastic.Clients.Elasticsearch;
using Microsoft.Extensions.Logging;
using S3Connector.Core.Budgets;
using S3Connector.Core.Configuration;
using S3Connector.Core.Diagnostics;
using S3Connector.Core.Documents;
using S3Connector.Core.Elasticsearch;
using S3Connector.Core.Extraction;
using S3Connector.Core.Jobs;
using S3Connector.Core.Queue;
using S3Connector.Core.Retries;
using S3Connector.Core.Rules;
using S3Connector.Core.S3;
using S3Connector.Core.Sync;

namespace S3Connector.Core;

/// <summary>
/// The composition root shared by the Lambda functions and the CLI: every client is created here once and reused
/// for the life of the process.
/// </summary>
public sealed class ConnectorServices : IDisposable
{
    public ConnectorServices(
        ConnectorOptions options,
        IWorkQueue queue,
        ILoggerFactory loggerFactory,
        IDocumentSink? sink = null,
        IJobStore? jobs = null,
        TimeProvider? time = null,
        IConnectorMetrics? metrics = null,
        ContentBudgets? budgets = null)
    {
        Options = options;
        Metrics = metrics ?? NoConnectorMetrics.Instance;
        Time = time ?? TimeProvider.System;
        S3Clients = new S3ClientFactory(options);
        S3 = new S3Gateway(S3Clients);
        Elasticsearch = ElasticsearchClientFactory.Create(options.Elasticsearch);
        Retry = new RetryPolicy(Time);
        Sink = sink ?? new ElasticsearchSink(Elasticsearch, options, Retry, loggerFactory.CreateLogger<ElasticsearchSink>());
        Jobs = jobs ?? new ElasticsearchJobStore(Elasticsearch, options.JobsIndex, Retry);
        Queue = queue;
        Progress = new SyncProgress();
        Extractor = new ContentExtractor();
        Completion = new JobCompletion(Jobs, Sink, Time, loggerFactory.CreateLogger<JobCompletion>(), Metrics);
        Rules = SyncRules.From(options);
        Budgets = budgets ?? ContentBudgets.ForThisProcess();
        Builder = new DocumentBuilder(options, S3, Extractor, Budgets, loggerFactory.CreateLogger<DocumentBuilder>());
        Scheduler = new SyncScheduler(options, S3, Jobs, Sink, queue, Completion, Time, loggerFactory.CreateLogger<SyncScheduler>());
        Events = new Events.EventProcessor(options, S3, Builder, Sink, Rules, Time, loggerFactory.CreateLogger<Events.EventProcessor>(), Metrics);
        DeadLetters = new DeadLetters(Jobs, Completion, Time, loggerFactory.CreateLogger<DeadLetters>());
        Worker = new RangeWorker(options, S3, Builder, Sink, Jobs, queue, Completion, Progress, Rules, Time, loggerFactory.CreateLogger<RangeWorker>(), Metrics);
    }

    public ConnectorOptions Options { get; }

    /// <summary>Where finished syncs, ranges and event batches report their numbers (nothing unless the host plugs a sink in).</summary>
    public IConnectorMetrics Metrics { get; }
    public TimeProvider Time { get; }
    public RetryPolicy Retry { get; }
    public S3ClientFactory S3Clients { get; }
    public S3Gateway S3 { get; }
    public ElasticsearchClient Elasticsearch { get; }
    public IDocumentSink Sink { get; }
    public IJobStore Jobs { get; }
    public IWorkQueue Queue { get; }
    public SyncProgress Progress { get; }
    public ITextExtractor Extractor { get; }
    public JobCompletion Completion { get; }
    /// <summary>The sync rules, for every path that decides whether an object belongs in the index (worker, S3 events).</summary>
    public SyncRules Rules { get; }
    public DocumentBuilder Builder { get; }
    public SyncScheduler Scheduler { get; }
    public RangeWorker Worker { get; }
    public DeadLetters DeadLetters { get; }
    public Events.EventProcessor Events { get; }

    /// <summary>Memory and /tmp for object content, shared by every message and event batch of the process.</summary>
    public ContentBudgets Budgets { get; }

    public void Dispose()
    {
        S3Clients.Dispose();
        Budgets.Dispose();
    }
}
