using System.Diagnostics;
using Amazon.S3.Model;
using Elastic.Transport;
using S3Connector.Core.Documents;
using S3Connector.IntegrationTests.Infrastructure;
using S3Connector.Core.S3;

namespace S3Connector.IntegrationTests;

/// <summary>
/// The content memory budget, as a user hits it: a sync of many 10 MB objects in pipeline mode (each one travels as
/// base64 inside its document) run as its own process under a GC heap limit well below what the objects add up to.
/// Before the budget, every delivery of such a batch ran out of memory.
/// </summary>
public sealed class MemoryBudgetTests(SyncStack stack) : IClassFixture<SyncStack>
{
    private const int Objects = 64;
    private const int ObjectBytes = 10 * 1024 * 1024;

    /// <summary>512 MiB: a 1 GiB Lambda keeps about this much for the heap once the runtime and code are loaded.</summary>
    private const string HeapLimit = "0x20000000";

    [Fact]
    public async Task Pipeline_mode_with_10_MB_objects_stays_within_a_512_MiB_heap()
    {
        var bucket = await stack.CreateBucketAsync("memory");
        var content = new byte[ObjectBytes];
        await Parallel.ForEachAsync(Enumerable.Range(0, Objects), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, ct) =>
        {
            var bytes = (byte[])content.Clone();
            bytes[0] = (byte)i;
            await stack.S3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"big/{i:D2}.pdf", InputStream = new MemoryStream(bytes) }, ct);
        });
        var index = SyncStack.NewName("memory");
        var pipeline = SyncStack.NewName("memory-pipeline");
        var put = await stack.Es.Transport.RequestAsync<StringResponse>(Elastic.Transport.HttpMethod.PUT, $"/_ingest/pipeline/{pipeline}",
            PostData.String("""{"processors":[{"set":{"field":"pipeline_ran","value":true}}]}"""));
        Assert.True(put.ApiCallDetails.HasSuccessfulStatusCode, put.Body);
        // Four messages of 16 objects at once (the CLI runs four consumers, as a worker runs four records).
        var config = stack.WriteConfig(index, [bucket], c =>
        {
            c["extraction"] = "pipeline";
            c["page_size"] = 16;
            c["pipeline"] = pipeline;
        });

        var (exitCode, output) = await RunCliProcessAsync("sync", "--config", config);

        Assert.True(exitCode == 0, $"exit {exitCode}: {output}");
        var documents = await stack.ReadIndexAsync(index);
        Assert.Equal(Objects, documents.Count);
        if (!stack.RealCluster)
        {
            // The test server keeps what was sent: every attachment arrived whole.
            var first = documents[ObjectKeys.DocumentId(bucket, "big/00.pdf")];
            Assert.Equal(ObjectBytes, Convert.FromBase64String(first["_attachment"]!.GetValue<string>()).Length);
        }
    }

    /// <summary>The CLI as a process of its own, so the heap limit applies to it and not to the test host.</summary>
    private static async Task<(int ExitCode, string Output)> RunCliProcessAsync(params string[] args)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "s3-connector.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(cli);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_GCHeapHardLimit"] = HeapLimit;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>What a download may cost, whatever the listing said.</summary>
public sealed class DownloadLimitTests(SyncStack stack) : IClassFixture<SyncStack>
{
    [Theory]
    [InlineData("local")]
    [InlineData("pipeline")]
    public async Task An_object_that_grew_past_max_file_size_after_its_listing_is_read_only_up_to_the_limit(string extraction)
    {
        var bucket = await stack.CreateBucketAsync("grew");
        await stack.S3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "grew.txt", InputStream = new MemoryStream(new byte[3_000_000]) });
        var options = S3Connector.Core.Configuration.ConnectorConfiguration.Load(
            stack.WriteConfig(SyncStack.NewName("grew"), [bucket], c =>
            {
                c["max_file_size"] = 1_000_000;
                c["extraction"] = extraction;
            }),
            new Dictionary<string, string?>());
        using var services = new S3Connector.Core.ConnectorServices(
            options, new S3Connector.Core.Queue.NullWorkQueue(), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        // The listing saw it small; it is 3 MB when read.
        var listed = new S3ObjectInfo(bucket, "grew.txt", 10, DateTimeOffset.UtcNow, "\"old\"", "STANDARD", "");

        var built = await services.Builder.BuildAsync(listed, null, "job", DateTimeOffset.UtcNow, CancellationToken.None);

        Assert.Equal(ObjectFate.MetadataOnly, built.Fate);
        Assert.Equal("too_large", built.Reason);
        Assert.Null(built.Document!.Body);
        Assert.Null(built.Document.Attachment);
        Assert.InRange(built.BytesDownloaded, 1_000_001, 1_000_000 + 1024 * 1024);
    }
}
