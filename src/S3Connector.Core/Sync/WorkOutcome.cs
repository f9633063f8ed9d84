namespace S3Connector.Core.Sync;

public enum WorkOutcomeKind
{
    /// <summary>Done (or nothing to do, e.g. a duplicate delivery): acknowledge the message.</summary>
    Done,

    /// <summary>Failed in a way a later delivery can fix: leave the message on the queue.</summary>
    Retry,

    /// <summary>Failed for good and recorded as such: acknowledge (or dead-letter) the message.</summary>
    Permanent,
}

public sealed record WorkOutcome(WorkOutcomeKind Kind, string? Reason = null)
{
    public static readonly WorkOutcome Done = new(WorkOutcomeKind.Done);

    public static WorkOutcome Retry(string reason) => new(WorkOutcomeKind.Retry, reason);

    public static WorkOutcome Permanent(string reason) => new(WorkOutcomeKind.Permanent, reason);
}
