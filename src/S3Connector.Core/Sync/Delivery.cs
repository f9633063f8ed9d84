namespace S3Connector.Core.Sync;

/// <summary>
/// Which delivery of a work message this is: one that may still hand its range back for a retry, or the last before
/// the dead-letter queue, which records every failure instead (so the job fails at once, not after the stall limit).
/// </summary>
public enum Delivery
{
    MayRetry,
    Last,
}

public static class Deliveries
{
    /// <param name="receiveCount">SQS's ApproximateReceiveCount of the message, 1 on its first delivery.</param>
    /// <param name="maxReceiveCount">The queue's maxReceiveCount (<c>work_max_receive_count</c>).</param>
    public static Delivery Of(int receiveCount, int maxReceiveCount) =>
        receiveCount >= maxReceiveCount ? Delivery.Last : Delivery.MayRetry;
}
