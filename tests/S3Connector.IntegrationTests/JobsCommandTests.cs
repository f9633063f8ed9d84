using Microsoft.Extensions.Logging.Abstractions;
using S3Connector.Cli.Commands;
using S3Connector.Core;
using S3Connector.Core.Configuration;
using S3Connector.Core.Jobs;
using S3Connector.Core.Queue;
using S3Connector.Core.Sync;
using S3Connector.IntegrationTests.Infrastructure;

namespace S3Connector.IntegrationTests;

/// <summary><c>s3-connector jobs</c>: an operator sees the index's syncs and ends a stuck one, so the next sync starts.</summary>
public sealed class JobsCommandTests(SyncStack stack) : IClassFixture<SyncStack>
{
    [Fact]
    public async Task Jobs_lists_the_syncs_and_fail_ends_a_stuck_one_so_the_next_sync_starts()
    {
        var bucket = await stack.CreateBucketAsync("jobs");
        await stack.PutManyAsync(bucket, [("a.txt", "a"), ("b/c.txt", "c")]);
        var index = SyncStack.NewName("jobs");
        var config = stack.WriteConfig(index, [bucket]);
        Assert.Equal(0, (await SyncStack.RunCliAsync("sync", "--config", config)).ExitCode);

        // A job whose messages were lost ten minutes ago, still "running": it holds back every sync for two hours.
        var options = ConnectorConfiguration.Load(config, new Dictionary<string, string?>());
        using var services = new ConnectorServices(options, new NullWorkQueue(), NullLoggerFactory.Instance);
        var stuck = new JobDocument
        {
            JobId = "stuck-" + Guid.NewGuid().ToString("N")[..8],
            IndexName = index,
            Status = JobStatus.Running,
            Buckets = [bucket],
            Scopes = [new ListingScope(bucket, "")],
            Runner = JobRunner.Sqs,
            StartedAt = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(20),
            UpdatedAt = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(10),
        };
        var stalled = stuck with
        {
            JobId = "stalled-" + Guid.NewGuid().ToString("N")[..8],
            StartedAt = DateTimeOffset.UtcNow - TimeSpan.FromHours(4),
            UpdatedAt = DateTimeOffset.UtcNow - TimeSpan.FromHours(3),
        };
        await services.Jobs.CreateJobAsync(stalled, default);
        await services.Jobs.CreateJobAsync(stuck, default);
        var blocked = await SyncStack.RunCliAsync("sync", "--config", config);
        Assert.Equal(1, blocked.ExitCode);
        Assert.Contains($"Sync job {stuck.JobId} is still running", blocked.Error, StringComparison.Ordinal);

        var listed = await SyncStack.RunCliAsync("jobs", "--config", config);
        Assert.True(listed.ExitCode == 0, listed.Error);
        var lines = listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("JOB", lines[0], StringComparison.Ordinal);
        Assert.Equal(4, lines.Length);
        Assert.Contains(lines, l => l.StartsWith(stuck.JobId + " ", StringComparison.Ordinal) && l.Contains(" running ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(stalled.JobId + " ", StringComparison.Ordinal) && l.Contains("running (stalled)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("completed", StringComparison.Ordinal) && l.Contains(" 2 ", StringComparison.Ordinal));

        var failed = await SyncStack.RunCliAsync("jobs", "fail", stuck.JobId, "--config", config);
        Assert.True(failed.ExitCode == 0, failed.Error);
        var job = (await services.Jobs.GetJobAsync(stuck.JobId, default))!.Value.Job;
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(JobsCommand.FailedByOperator, job.Error);

        var again = await SyncStack.RunCliAsync("jobs", "fail", stuck.JobId, "--config", config);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already ended: failed", again.Error, StringComparison.Ordinal);
        var unknown = await SyncStack.RunCliAsync("jobs", "fail", "no-such-job", "--config", config);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("No sync job 'no-such-job'", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(2, (await SyncStack.RunCliAsync("jobs", "retry", "--config", config)).ExitCode);

        Assert.Equal(0, (await SyncStack.RunCliAsync("sync", "--config", config)).ExitCode);
    }
}
