using S3Connector.Core.Sync;

namespace S3Connector.Core.Queue;

/// <summary>Where listing work goes: SQS in Lambda (and <c>sync --queue-url</c>), an in-process queue in the CLI.</summary>
public interface IWorkQueue
{
    Task SendAsync(IReadOnlyList<WorkMessage> messages, CancellationToken ct);

    /// <summary>
    /// Makes a received message, about to be returned for a retry, visible again after <paramref name="delay"/>
    /// instead of after the queue's visibility timeout. Queues that redeliver on their own schedule (the in-process
    /// queue) do nothing.
    /// </summary>
    Task RedeliverLaterAsync(string receiptHandle, TimeSpan delay, CancellationToken ct) => Task.CompletedTask;
}
