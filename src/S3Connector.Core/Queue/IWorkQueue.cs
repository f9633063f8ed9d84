using S3Connector.Core.Sync;

namespace S3Connector.Core.Queue;

/// <summary>Where listing work goes: SQS in Lambda (and <c>sync --queue-url</c>), an in-process queue in the CLI.</summary>
public interface IWorkQueue
{
    Task SendAsync(IReadOnlyList<WorkMessage> messages, CancellationToken ct);
}
