using S3Connector.Core;
using S3Connector.Core.Jobs;
using S3Connector.Functions.Events;
using S3Connector.Functions.Runtime;

namespace S3Connector.Functions.Handlers;

/// <summary>EventBridge schedule → starts a full sync and fans its listing out to the work queue.</summary>
public sealed class SchedulerFunction(ConnectorServices services, JobRunner runner = JobRunner.Sqs)
{
    private static readonly TimeSpan DeadlineMargin = TimeSpan.FromSeconds(5);

    public async Task<SchedulerResponse> HandleAsync(ScheduledEvent? input, ILambdaContext context)
    {
        using var deadline = LambdaContext.DeadlineSource(context, DeadlineMargin, services.Time);
        var start = await services.Scheduler.StartAsync(runner, deadline.Token);
        return new SchedulerResponse
        {
            JobId = start.JobId,
            Ranges = start.RangeCount,
            SkippedBecauseRunning = start.SkippedBecauseRunning,
        };
    }
}
