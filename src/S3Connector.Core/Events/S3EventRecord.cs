namespace S3Connector.Core.Events;

public enum EventAction
{
    /// <summary>The object may have changed (created, overwritten, restored, removed): bring its document in line with S3.</summary>
    Reconcile,

    /// <summary>A notification that says nothing about the object's content or existence (ACL, tagging, ...).</summary>
    Ignore,
}

/// <summary>One S3 event, whatever envelope carried it. The key is decoded.</summary>
public sealed record S3EventRecord(string Bucket, string Key, string EventName, string? Region, string? Sequencer)
{
    public EventAction Action => Classify(EventName);

    /// <summary>Names from S3 notifications (<c>ObjectCreated:Put</c>) and EventBridge detail types (<c>Object Created</c>).</summary>
    public static EventAction Classify(string eventName) =>
        eventName.StartsWith("ObjectCreated:", StringComparison.Ordinal)
        || eventName.StartsWith("ObjectRemoved:", StringComparison.Ordinal)
        || eventName.StartsWith("LifecycleExpiration:", StringComparison.Ordinal)
        || eventName is "ObjectRestore:Completed" or "Object Created" or "Object Deleted" or "Object Restore Completed"
            ? EventAction.Reconcile
            : EventAction.Ignore;
}

/// <summary>What one envelope held: records, a test event, or a reason it could not be read.</summary>
public sealed record ParsedEnvelope(IReadOnlyList<S3EventRecord> Records, bool IsTestEvent, string? Error)
{
    public static ParsedEnvelope Invalid(string error) => new([], false, error);

    public static readonly ParsedEnvelope Test = new([], true, null);
}
