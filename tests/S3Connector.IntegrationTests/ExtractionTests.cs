using System.Text;
using System.Text.Json.Nodes;
using Amazon.S3;
using Amazon.S3.Model;
using Elastic.Transport;
using S3Connector.Core.Documents;
using S3Connector.IntegrationTests.Infrastructure;
using S3Connector.Testing;

namespace S3Connector.IntegrationTests;

/// <summary>Content extraction end to end: real files in the emulator, a CLI sync, the documents in the index.</summary>
public sealed class ExtractionTests(SyncStack stack) : IClassFixture<SyncStack>
{
    private const string Sentence = "Seven quiet otters guard the amber harbour.";
    private const long Limit = 10_485_760;

    private Task PutBytesAsync(string bucket, string key, byte[] content, string? storageClass = null) =>
        stack.S3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = key,
            InputStream = new MemoryStream(content),
            StorageClass = storageClass is null ? null : S3StorageClass.FindValue(storageClass),
        });

    private async Task<List<string>> FetchedKeysAsync(string bucket) =>
        (await stack.Aws.GetRequestsAsync())
            .Where(r => r.Operation == "GetObject" && r.Bucket == bucket)
            .Select(r => r.Key!)
            .ToList();

    [Fact]
    public async Task Every_supported_format_is_extracted_and_the_rest_is_metadata_only()
    {
        var bucket = await stack.CreateBucketAsync("formats");
        foreach (var extension in SampleDocuments.SupportedExtensions)
        {
            await PutBytesAsync(bucket, $"docs/sample{extension.ToUpperInvariant()}", SampleDocuments.Create(extension, Sentence));
        }

        await PutBytesAsync(bucket, "legacy/old.doc", [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 1, 2, 3]);
        await PutBytesAsync(bucket, "legacy/deck.ppt", [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 4, 5, 6]);
        await PutBytesAsync(bucket, "legacy/book.xlsb", [0x50, 0x4B, 0x03, 0x04, 7, 8, 9]);
        var index = SyncStack.NewName("formats");

        var result = await SyncStack.RunCliAsync("sync", "--config", stack.WriteConfig(index, [bucket]));

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.Contains("unsupported_format: 3", result.Output, StringComparison.Ordinal);
        var documents = await stack.ReadIndexAsync(index);
        foreach (var extension in SampleDocuments.SupportedExtensions)
        {
            var doc = documents[ObjectKeys.DocumentId(bucket, $"docs/sample{extension.ToUpperInvariant()}")];
            var body = doc["body"]?.GetValue<string>();
            Assert.True(body is not null, $"{extension} has no body");
            Assert.Contains(Sentence, body, StringComparison.Ordinal);
            Assert.DoesNotContain(SampleDocuments.HiddenScript, body, StringComparison.Ordinal);
            Assert.DoesNotContain(SampleDocuments.HiddenStyle, body, StringComparison.Ordinal);
            Assert.Equal(extension, doc["extension"]!.GetValue<string>());
        }

        Assert.Null(documents[ObjectKeys.DocumentId(bucket, "legacy/old.doc")]["body"]);
        Assert.Null(documents[ObjectKeys.DocumentId(bucket, "legacy/book.xlsb")]["body"]);
        var fetched = await FetchedKeysAsync(bucket);
        Assert.DoesNotContain("legacy/old.doc", fetched);
        Assert.DoesNotContain("legacy/book.xlsb", fetched);
    }

    [Fact]
    public async Task Size_limit_is_inclusive_and_a_larger_object_is_never_downloaded()
    {
        var bucket = await stack.CreateBucketAsync("limit");
        var atLimit = new byte[Limit];
        atLimit.AsSpan().Fill((byte)'a');
        Encoding.ASCII.GetBytes(Sentence + " ").CopyTo(atLimit, 0);
        var overLimit = new byte[Limit + 1];
        atLimit.CopyTo(overLimit, 0);
        overLimit[^1] = (byte)'b';
        await PutBytesAsync(bucket, "exactly.txt", atLimit);
        await PutBytesAsync(bucket, "one-more.txt", overLimit);
        await stack.Aws.ClearRequestsAsync();
        var index = SyncStack.NewName("limit");

        var result = await SyncStack.RunCliAsync("sync", "--config", stack.WriteConfig(index, [bucket]));

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.Contains("too_large: 1", result.Output, StringComparison.Ordinal);
        var documents = await stack.ReadIndexAsync(index);
        var exact = documents[ObjectKeys.DocumentId(bucket, "exactly.txt")];
        Assert.StartsWith(Sentence, exact["body"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(Limit, exact["size_in_bytes"]!.GetValue<long>());
        var over = documents[ObjectKeys.DocumentId(bucket, "one-more.txt")];
        Assert.Null(over["body"]);
        Assert.Equal(Limit + 1, over["size_in_bytes"]!.GetValue<long>());
        Assert.Equal(["exactly.txt"], await FetchedKeysAsync(bucket));
    }

    [Fact]
    public async Task A_restored_glacier_object_gets_its_content_and_keeps_it_on_later_syncs()
    {
        var bucket = await stack.CreateBucketAsync("restore");
        await PutBytesAsync(bucket, "cold.txt", Encoding.UTF8.GetBytes(Sentence), "GLACIER");
        var index = SyncStack.NewName("restore");
        var config = stack.WriteConfig(index, [bucket]);
        var archived = await SyncStack.RunCliAsync("sync", "--config", config);
        Assert.True(archived.ExitCode == 0, archived.Error);
        Assert.Null((await stack.ReadIndexAsync(index))[ObjectKeys.DocumentId(bucket, "cold.txt")]["body"]);

        await stack.S3.RestoreObjectAsync(new RestoreObjectRequest { BucketName = bucket, Key = "cold.txt", Days = 2 });
        var restored = await SyncStack.RunCliAsync("sync", "--config", config);
        var again = await SyncStack.RunCliAsync("sync", "--config", config);

        Assert.True(restored.ExitCode == 0, restored.Error);
        Assert.True(again.ExitCode == 0, again.Error);
        var document = (await stack.ReadIndexAsync(index))[ObjectKeys.DocumentId(bucket, "cold.txt")];
        // The listing says the copy is restored (RestoreStatus is asked for), so a later sync neither loses the
        // content nor downloads it again.
        Assert.Equal(Sentence, document["body"]!.GetValue<string>());
        Assert.Equal("GLACIER", document["storage_class"]!.GetValue<string>());
        Assert.Matches(@"unchanged\s+1\b", again.Output);
    }

    [Fact]
    public async Task Archived_objects_are_never_fetched_and_a_late_archive_refusal_is_metadata_only()
    {
        var bucket = await stack.CreateBucketAsync("archive");
        await PutBytesAsync(bucket, "cold.txt", Encoding.UTF8.GetBytes(Sentence), "GLACIER");
        await PutBytesAsync(bucket, "deep.pdf", SampleDocuments.Pdf(Sentence), "DEEP_ARCHIVE");
        await PutBytesAsync(bucket, "tiered.txt", Encoding.UTF8.GetBytes(Sentence), "INTELLIGENT_TIERING");
        await PutBytesAsync(bucket, "warm.txt", Encoding.UTF8.GetBytes(Sentence), "STANDARD_IA");

        // An INTELLIGENT_TIERING archive tier does not show in the listing; S3 refuses the GET instead.
        await stack.Aws.InjectFaultAsync("GET", "tiered.txt", 403, "InvalidObjectState", count: 100);
        await stack.Aws.ClearRequestsAsync();
        var index = SyncStack.NewName("archive");

        var result = await SyncStack.RunCliAsync("sync", "--config", stack.WriteConfig(index, [bucket]));
        await stack.Aws.ClearFaultsAsync();

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.Contains("archived_storage_class: 3", result.Output, StringComparison.Ordinal);
        var documents = await stack.ReadIndexAsync(index);
        Assert.Equal("GLACIER", documents[ObjectKeys.DocumentId(bucket, "cold.txt")]["storage_class"]!.GetValue<string>());
        Assert.Null(documents[ObjectKeys.DocumentId(bucket, "cold.txt")]["body"]);
        Assert.Null(documents[ObjectKeys.DocumentId(bucket, "deep.pdf")]["body"]);
        Assert.Null(documents[ObjectKeys.DocumentId(bucket, "tiered.txt")]["body"]);
        Assert.Equal(Sentence, documents[ObjectKeys.DocumentId(bucket, "warm.txt")]["body"]!.GetValue<string>());
        var fetched = await FetchedKeysAsync(bucket);
        Assert.DoesNotContain("cold.txt", fetched);
        Assert.DoesNotContain("deep.pdf", fetched);
    }

    [Fact]
    public async Task Corrupt_encrypted_and_bomb_files_are_metadata_only_and_the_batch_goes_on()
    {
        var bucket = await stack.CreateBucketAsync("bad");
        await PutBytesAsync(bucket, "bad/corrupt.pdf", SampleDocuments.CorruptPdf());
        await PutBytesAsync(bucket, "bad/truncated.xlsx", SampleDocuments.Xlsx(Sentence, macroEnabled: false)[..300]);
        await PutBytesAsync(bucket, "bad/truncated.xls", SampleDocuments.Xls(Sentence)[..600]);
        await PutBytesAsync(bucket, "bad/locked.docx", SampleDocuments.EncryptedDocx());
        await PutBytesAsync(bucket, "bad/locked.odt", SampleDocuments.Odt(Sentence, encrypted: true));
        await PutBytesAsync(bucket, "bad/bomb.docx", SampleDocuments.ZipBomb());
        var good = Enumerable.Range(0, 20).Select(i => $"good/file{i}.txt").ToList();
        foreach (var key in good)
        {
            await PutBytesAsync(bucket, key, Encoding.UTF8.GetBytes($"{Sentence} {key}"));
        }

        await PutBytesAsync(bucket, "good/report.docx", SampleDocuments.Docx(Sentence));
        var index = SyncStack.NewName("bad");

        var result = await SyncStack.RunCliAsync("sync", "--config", stack.WriteConfig(index, [bucket], c => c["page_size"] = 10));

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.Contains("corrupt_file: 3", result.Output, StringComparison.Ordinal);
        Assert.Contains("encrypted_file: 2", result.Output, StringComparison.Ordinal);
        Assert.Contains("zip_bomb: 1", result.Output, StringComparison.Ordinal);
        var documents = await stack.ReadIndexAsync(index);
        Assert.Equal(27, documents.Count);
        foreach (var key in new[] { "bad/corrupt.pdf", "bad/truncated.xlsx", "bad/truncated.xls", "bad/locked.docx", "bad/locked.odt", "bad/bomb.docx" })
        {
            var doc = documents[ObjectKeys.DocumentId(bucket, key)];
            Assert.Null(doc["body"]);
            Assert.Equal(key, doc["filename"]!.GetValue<string>());
        }

        foreach (var key in good.Append("good/report.docx"))
        {
            Assert.Contains(Sentence, documents[ObjectKeys.DocumentId(bucket, key)]["body"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Pipeline_mode_sends_the_attachment_through_the_named_pipeline()
    {
        var bucket = await stack.CreateBucketAsync("pipe");
        var pdf = SampleDocuments.Pdf(Sentence);
        await PutBytesAsync(bucket, "doc.pdf", pdf);
        await PutBytesAsync(bucket, "image.png", [1, 2, 3]);
        var index = SyncStack.NewName("pipe");
        var pipeline = SyncStack.NewName("attach");
        var definition = new JsonObject
        {
            ["processors"] = new JsonArray(new JsonObject
            {
                ["attachment"] = new JsonObject { ["field"] = "_attachment", ["target_field"] = "_extracted_attachment", ["ignore_missing"] = true },
            }),
        };
        var put = await stack.Es.Transport.RequestAsync<StringResponse>(
            Elastic.Transport.HttpMethod.PUT, $"/_ingest/pipeline/{pipeline}", PostData.String(definition.ToJsonString()));
        Assert.True(put.ApiCallDetails.HasSuccessfulStatusCode, put.Body);

        var result = await SyncStack.RunCliAsync("sync", "--config", stack.WriteConfig(index, [bucket], c =>
        {
            c["extraction"] = "pipeline";
            c["pipeline"] = pipeline;
        }));

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        if (!stack.RealCluster)
        {
            // The test server stores what was sent (its processors do not run), so the request itself can be checked.
            var doc = (await stack.ReadIndexAsync(index))[ObjectKeys.DocumentId(bucket, "doc.pdf")];
            Assert.Equal(pdf, Convert.FromBase64String(doc["_attachment"]!.GetValue<string>()));
            Assert.True(doc["_extract_binary_content"]!.GetValue<bool>());
            Assert.True(doc["_reduce_whitespace"]!.GetValue<bool>());
            Assert.False(doc["_run_ml_inference"]!.GetValue<bool>());
            Assert.Null(doc["body"]);
            Assert.Contains(stack.EsServer!.Requests, r => r.Path.EndsWith("/_bulk", StringComparison.Ordinal) &&
                r.QueryString.Contains("pipeline=" + pipeline, StringComparison.Ordinal));
        }
    }
}
