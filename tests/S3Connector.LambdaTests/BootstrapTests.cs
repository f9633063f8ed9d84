using System.Diagnostics;
using System.Text.Json.Nodes;
using S3Connector.Testing;

namespace S3Connector.LambdaTests;

/// <summary>
/// The published bootstrap (Native AOT by default) driven through a fake Runtime API against the local stack:
/// the same process, environment and HTTP exchanges as in Lambda, minus AWS.
/// </summary>
public sealed class BootstrapTests(LambdaStack stack) : IClassFixture<LambdaStack>
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Scheduled_invocation_starts_a_job_and_fans_work_out_to_the_queue()
    {
        var binary = BootstrapProcess.Locate();
        var setup = await stack.CreateAsync(objects: 3);
        await using var runtime = new FakeRuntimeApi();
        await using var process = BootstrapProcess.Start(binary, runtime, stack.Environment(setup, "scheduler"));

        var scheduled = await File.ReadAllTextAsync(Path.Combine(LocalStack.RepoRoot, "events", "scheduler-scheduled.json"));
        var result = await process.WaitAsync(runtime.Invoke(scheduled, TimeSpan.FromMinutes(5)), Generous);

        Assert.False(result.IsError, result.Body);
        var response = JsonNode.Parse(result.Body)!;
        Assert.False(string.IsNullOrEmpty(response["job_id"]?.GetValue<string>()), result.Body);
        Assert.True(response["ranges"]!.GetValue<int>() >= 1, result.Body);
        var messages = await stack.DrainAsync(setup.QueueUrl);
        Assert.NotEmpty(messages);
        Assert.All(messages, m => Assert.Contains(setup.Bucket, m.Body, StringComparison.Ordinal));
        AssertJsonLogs(process.Stdout, result.RequestId);
    }

    [Fact]
    public async Task Sqs_batch_with_a_poison_record_reports_only_that_record_as_failed()
    {
        var binary = BootstrapProcess.Locate();
        var setup = await stack.CreateAsync(objects: 3);
        var work = await RunSchedulerAsync(binary, setup);
        await using var runtime = new FakeRuntimeApi();
        await using var process = BootstrapProcess.Start(binary, runtime, stack.Environment(setup, "worker"));

        var records = work.Select(m => (m.MessageId, m.Body)).Append(("poison-1", "this is not a work message")).ToList();
        var result = await process.WaitAsync(runtime.Invoke(LambdaStack.SqsEvent(records), TimeSpan.FromMinutes(5)), Generous);

        Assert.False(result.IsError, result.Body);
        var failures = FailedIds(result.Body);
        Assert.Equal(["poison-1"], failures);
        Assert.Equal(3, await stack.CountAsync(setup.Index));
    }

    [Fact]
    public async Task Events_handler_applies_an_sqs_batch_of_s3_notifications_and_fails_only_the_unreadable_one()
    {
        var binary = BootstrapProcess.Locate();
        var setup = await stack.CreateAsync(objects: 2);
        var environment = stack.Environment(setup, "events");
        // The events function sends no work messages, so it starts without a work queue.
        environment.Remove("S3C_WORK_QUEUE_URL");
        await using var runtime = new FakeRuntimeApi();
        await using var process = BootstrapProcess.Start(binary, runtime, environment);
        var records = new[] { "docs/file-0.txt", "docs/file-1.txt" }
            .Select((key, i) => ($"n{i}", LambdaStack.S3Notification(setup.Bucket, key)))
            .Append(("garbage", "{\"not\":\"an event\"}"))
            .ToList();

        var result = await process.WaitAsync(runtime.Invoke(LambdaStack.SqsEvent(records), TimeSpan.FromMinutes(5)), Generous);

        Assert.False(result.IsError, result.Body + process.Stdout);
        Assert.Equal(["garbage"], FailedIds(result.Body));
        Assert.Equal(2, await stack.CountAsync(setup.Index));
    }

    [Fact]
    public async Task The_native_binary_extracts_every_supported_format()
    {
        // Extraction libraries reach code through reflection-like paths that trimming can break at run time only
        // (ExcelDataReader's are suppressed in the project): every format goes through the published binary once.
        const string sentence = "Tidal charts for the northern harbour";
        var binary = BootstrapProcess.Locate();
        var setup = await stack.CreateAsync(objects: 0);
        foreach (var extension in SampleDocuments.SupportedExtensions)
        {
            await stack.S3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
            {
                BucketName = setup.Bucket,
                Key = "formats/sample" + extension,
                InputStream = new MemoryStream(SampleDocuments.Create(extension, sentence)),
            });
        }

        await using var runtime = new FakeRuntimeApi();
        await using var process = BootstrapProcess.Start(binary, runtime, stack.Environment(setup, "events"));
        var records = SampleDocuments.SupportedExtensions
            .Select(extension => (extension, LambdaStack.S3Notification(setup.Bucket, "formats/sample" + extension)))
            .ToList();

        var result = await process.WaitAsync(runtime.Invoke(LambdaStack.SqsEvent(records), TimeSpan.FromMinutes(5)), Generous);

        Assert.False(result.IsError, result.Body + process.Stdout);
        Assert.Empty(FailedIds(result.Body));
        foreach (var extension in SampleDocuments.SupportedExtensions)
        {
            var body = await stack.BodyAsync(setup.Index, Core.Documents.ObjectKeys.DocumentId(setup.Bucket, "formats/sample" + extension));
            Assert.True(body?.Contains(sentence, StringComparison.Ordinal) == true, $"{extension}: body was '{body}'\n{process.Stdout}");
        }
    }

    [Fact]
    public async Task Handler_exception_goes_to_error_without_secrets_and_the_loop_goes_on()
    {
        var binary = BootstrapProcess.Locate();
        var setup = await stack.CreateAsync(objects: 0);
        await using var runtime = new FakeRuntimeApi();
        await using var process = BootstrapProcess.Start(binary, runtime, stack.Environment(setup, "worker"));

        // An array where Lambda always sends an object: the handler's deserialisation throws.
        var failed = await process.WaitAsync(runtime.Invoke("[1, 2, 3]", TimeSpan.FromMinutes(1)), Generous);
        Assert.True(failed.IsError, failed.Body);
        var error = JsonNode.Parse(failed.Body)!;
        Assert.Equal("JsonException", error["errorType"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(error["errorMessage"]!.GetValue<string>()));
        Assert.Equal("JsonException", failed.ErrorTypeHeader);

        var next = await process.WaitAsync(runtime.Invoke("""{"Records":[]}""", TimeSpan.FromMinutes(1)), Generous);
        Assert.False(next.IsError, next.Body);
        Assert.Empty(FailedIds(next.Body));
        Assert.DoesNotContain(LambdaStack.SecretKey, failed.Body + process.Stdout + process.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_configuration_is_reported_through_init_error_naming_the_bad_keys()
    {
        var binary = BootstrapProcess.Locate();
        var setup = await stack.CreateAsync(objects: 0);
        var environment = stack.Environment(setup, "worker");
        environment["S3C_PAGE_SIZE"] = "lots";
        environment["S3C_NOT_A_SETTING"] = "1";
        await using var runtime = new FakeRuntimeApi();
        await using var process = BootstrapProcess.Start(binary, runtime, environment);

        var init = await process.WaitAsync(runtime.InitError, Generous);
        var error = JsonNode.Parse(init.Body)!;
        Assert.Equal("ConfigurationError", error["errorType"]!.GetValue<string>());
        var message = error["errorMessage"]!.GetValue<string>();
        Assert.Contains("page_size", message, StringComparison.Ordinal);
        Assert.Contains("S3C_NOT_A_SETTING", message, StringComparison.Ordinal);
        Assert.DoesNotContain(LambdaStack.SecretKey, init.Body + process.Stdout + process.Stderr, StringComparison.Ordinal);
        Assert.True(process.Process.WaitForExit(TimeSpan.FromSeconds(30)), "the bootstrap must exit after /init/error");
        Assert.NotEqual(0, process.Process.ExitCode);
        Assert.False(runtime.FirstPoll.IsCompleted, "no invocation may be fetched after a failed start-up");
    }

    [Fact]
    public async Task An_unknown_handler_and_a_worker_without_its_queue_are_named_through_init_error()
    {
        var binary = BootstrapProcess.Locate();
        var setup = await stack.CreateAsync(objects: 0);
        var unknown = stack.Environment(setup, "wroker");
        var noQueue = stack.Environment(setup, "worker");
        noQueue.Remove("S3C_WORK_QUEUE_URL");

        foreach (var (environment, type, text) in new[]
        {
            (unknown, "HandlerNotFound", "_HANDLER 'wroker' is not one of: scheduler, worker, events, dead-letters."),
            (noQueue, "ConfigurationError", "work_queue_url: required by the worker handler"),
        })
        {
            await using var runtime = new FakeRuntimeApi();
            await using var process = BootstrapProcess.Start(binary, runtime, environment);
            var init = await process.WaitAsync(runtime.InitError, Generous);
            var error = JsonNode.Parse(init.Body)!;
            Assert.Equal(type, error["errorType"]!.GetValue<string>());
            Assert.Contains(text, error["errorMessage"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Deadline_mid_batch_reports_every_unfinished_record_as_failed()
    {
        var binary = BootstrapProcess.Locate();
        var setup = await stack.CreateAsync(objects: 3);
        var work = await RunSchedulerAsync(binary, setup);
        // The chain of docs/ holds the objects (the bucket root lists only the prefix), so it writes to Elasticsearch.
        var body = work.Select(m => m.Body).OrderByDescending(b => b.Contains("docs/", StringComparison.Ordinal)).First();
        // More records than the worker runs at once, so some are in flight and some never start.
        var records = Enumerable.Range(0, 6).Select(i => ($"late-{i}", body)).ToList();
        await using var runtime = new FakeRuntimeApi();
        await using var process = BootstrapProcess.Start(binary, runtime, stack.Environment(setup, "worker"));
        await process.WaitAsync(runtime.FirstPoll.ContinueWith(_ => true, TaskScheduler.Default), Generous);

        stack.Es.Faults.Latency = TimeSpan.FromSeconds(40);
        try
        {
            // The worker keeps 10 s back from the deadline, so this leaves it about 3 s of work.
            var clock = Stopwatch.StartNew();
            var result = await process.WaitAsync(runtime.Invoke(LambdaStack.SqsEvent(records), TimeSpan.FromSeconds(13)), Generous);
            clock.Stop();

            Assert.False(result.IsError, result.Body);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(13), $"answered after {clock.Elapsed}, past the deadline");
            Assert.Equal(records.Select(r => r.Item1).Order(), FailedIds(result.Body).Order());
        }
        finally
        {
            stack.Es.Faults.Latency = TimeSpan.Zero;
        }
    }

    private async Task<List<Amazon.SQS.Model.Message>> RunSchedulerAsync(string binary, LambdaStack.Setup setup)
    {
        await using var runtime = new FakeRuntimeApi();
        await using var process = BootstrapProcess.Start(binary, runtime, stack.Environment(setup, "scheduler"));
        var result = await process.WaitAsync(runtime.Invoke("{}", TimeSpan.FromMinutes(5)), Generous);
        Assert.False(result.IsError, result.Body);
        var messages = await stack.DrainAsync(setup.QueueUrl);
        Assert.NotEmpty(messages);
        return messages;
    }

    private static List<string> FailedIds(string body) =>
        JsonNode.Parse(body)!["batchItemFailures"]!.AsArray().Select(f => f!["itemIdentifier"]!.GetValue<string>()).ToList();

    /// <summary>Every stdout line is one JSON object in Lambda's format, tagged with the invocation it belongs to.</summary>
    private static void AssertJsonLogs(string stdout, string requestId)
    {
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            var log = JsonNode.Parse(line)!;
            Assert.NotNull(log["timestamp"]);
            Assert.Contains(log["level"]!.GetValue<string>(), new[] { "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL" });
            Assert.NotNull(log["message"]);
        }

        Assert.Contains(lines, l => JsonNode.Parse(l)!["requestId"]?.GetValue<string>() == requestId);
    }
}
