using S3Connector.Core.Sync;

namespace S3Connector.Core.Queue;

/// <summary>For hosts that never start a sync (validate, event): sending work is a bug there.</summary>
public sealed class NullWorkQueue : IWorkQueue
{
    public Task SendAsync(IReadOnlyList<WorkMessage> messages, CancellationToken ct) =>
        throw new InvalidOperationException("This command does not send work messages.");
}
