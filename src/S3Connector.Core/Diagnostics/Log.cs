using Microsoft.Extensions.Logging;

namespace S3Connector.Core.Diagnostics;

/// <summary>Every log line the core writes, structured. Values are names and counts, never secrets.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "Bulk of {Count} documents will be retried (attempt {Attempt}): {Reason}")]
    public static partial void BulkRetry(ILogger logger, int count, int attempt, string reason);

    [LoggerMessage(2, LogLevel.Information, "Sync job {JobId} started for index {Index}: {BucketCount} buckets, {RangeCount} key ranges")]
    public static partial void JobStarted(ILogger logger, string jobId, string index, int bucketCount, int rangeCount);

    [LoggerMessage(3, LogLevel.Information, "Sync job {JobId} skipped: job {RunningJobId} is still running for index {Index}")]
    public static partial void JobAlreadyRunning(ILogger logger, string jobId, string runningJobId, string index);

    [LoggerMessage(4, LogLevel.Information, "Range {UnitId} of s3://{Bucket}/{Range}: {Listed} listed, {Indexed} indexed, {Unchanged} unchanged, {Deleted} deleted, {Failed} failed")]
    public static partial void RangeDone(ILogger logger, string unitId, string bucket, string range, long listed, long indexed, long unchanged, long deleted, long failed);

    [LoggerMessage(5, LogLevel.Information, "Message for unit {UnitId} ignored: {Reason}")]
    public static partial void MessageIgnored(ILogger logger, string unitId, string reason);

    [LoggerMessage(6, LogLevel.Warning, "Unit {UnitId} will be retried: {Reason}")]
    public static partial void UnitRetry(ILogger logger, string unitId, string reason);

    [LoggerMessage(7, LogLevel.Error, "Unit {UnitId} failed permanently: {Reason}")]
    public static partial void UnitFailed(ILogger logger, string unitId, string reason);

    [LoggerMessage(8, LogLevel.Information, "Sync job {JobId} {Status}: {Listed} listed, {Indexed} indexed, {Failed} failed, {Deleted} deleted")]
    public static partial void JobFinished(ILogger logger, string jobId, string status, long listed, long indexed, long failed, long deleted);

    [LoggerMessage(9, LogLevel.Warning, "Object s3://{Bucket}/{Key} indexed without content: {Reason}")]
    public static partial void ContentFailed(ILogger logger, string bucket, string key, string reason);

    [LoggerMessage(10, LogLevel.Error, "Document {DocumentId} (s3://{Bucket}/{Key}) could not be indexed: {Reason}")]
    public static partial void DocumentFailed(ILogger logger, string documentId, string bucket, string key, string reason);

    [LoggerMessage(11, LogLevel.Error, "Sync job {JobId} failed: {Reason}")]
    public static partial void JobFailed(ILogger logger, string jobId, string reason);

    [LoggerMessage(12, LogLevel.Warning, "Object s3://{Bucket}/{Key} not indexed: the regex of basic rule {RuleId} timed out")]
    public static partial void RuleTimedOut(ILogger logger, string bucket, string key, string ruleId);

    [LoggerMessage(13, LogLevel.Warning, "Index {Index} created without index.gc_deletes, which Elasticsearch refused ({Reason}): a deleted object's document may come back until the next full sync")]
    public static partial void GcDeletesRefused(ILogger logger, string index, string reason);

    [LoggerMessage(14, LogLevel.Error, "Sync job {JobId} could not be marked failed ({Reason}); it is abandoned once it has made no progress for the stall limit")]
    public static partial void JobNotFailed(ILogger logger, string jobId, string reason);
}
