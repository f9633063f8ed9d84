using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using S3Connector.Testing;
using Xunit.Abstractions;

namespace S3Connector.IntegrationTests.LocalStackChecks;

internal static class Utf8Order
{
    public static int Compare(string a, string b) =>
        Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b));

    public static readonly Comparer<string> Comparer = Comparer<string>.Create(Compare);
}

internal static class Keys
{
    // Base names that stress ordering, escaping and paging.
    public static readonly string[] Tricky =
    [
        "a", "A", "b", "B", "Zebra", "zebra", "_under", "-dash", ".dot", "~tilde", "space name.txt", "  two leading spaces",
        "trailing space ", "plus+sign", "a+b c", "percent%20literal", "100%", "%", "%%", "hash#tag", "question?mark",
        "amp&and", "lt<gt>", "quote\"double", "apos'single", "comma,semi;colon:eq=", "at@bracket[]", "brace{}caret^back`tick",
        "pipe|backslash\\", "excl!star*paren()", "dollar$", "é", "e\u0301 nfd", "É", "ü", "ñ", "日本語", "日本/語", "日本語/ファイル.txt",
        "😀", "emoji 😀 face.txt", "𝄞 music", "\uFF5E fullwidth tilde", "\uFFFD replacement", "\u00A0nbsp", "ß", "İ", "ı", "Ω", "z",
        "0", "9", "folder/", "folder/sub/", "folder/file", "folder//double", "trailing/slash/", "UPPER/lower", "upper/LOWER",
    ];

    public static readonly string[] Prefixes = ["", "data/", "data/Nested Dir/", "ÄÖÜ/", "日本/", "emoji😀/", "x+y/"];

    public static List<string> Build(int total)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in Prefixes)
        {
            foreach (var t in Tricky)
            {
                keys.Add(p + t);
            }
        }

        var i = 0;
        while (keys.Count < total)
        {
            var k = (i % 6) switch
            {
                0 => $"logs/2024/{i % 12 + 1:D2}/entry-{i:D4}.json",
                1 => $"logs/2025/{i % 12 + 1:D2}/Entry {i:D4}.JSON",
                2 => $"Mixed/Key{i}",
                3 => $"mixed/key{i}+v%{i % 7}",
                4 => $"docs/ré sumé/{i}-日本-😀.txt",
                _ => $"deep/a/b/c/d/{i % 5}/file{i}",
            };
            keys.Add(k);
            i++;
        }

        return keys.ToList();
    }

    /// <summary>Reference listing: keys and common prefixes, merged in UTF-8 order.</summary>
    public static List<(string Value, bool IsPrefix)> Expected(IEnumerable<string> all, string prefix, string? delimiter)
    {
        var items = new SortedDictionary<string, bool>(Utf8Order.Comparer);
        foreach (var k in all)
        {
            if (!k.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (!string.IsNullOrEmpty(delimiter))
            {
                var idx = k.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                if (idx >= 0)
                {
                    items[k[..(idx + delimiter.Length)]] = true;
                    continue;
                }
            }

            items[k] = false;
        }

        return items.Select(kv => (kv.Key, kv.Value)).ToList();
    }
}

public sealed class ListingFixture : IAsyncLifetime
{
    public LocalStack Stack { get; private set; } = null!;
    public IAmazonS3 S3 { get; private set; } = null!;
    public List<string> AllKeys { get; } = Keys.Build(3000);
    public const string Bucket = "listing-bucket";
    public TimeSpan PutTime { get; private set; }
    public TimeSpan FirstStart { get; private set; }

    public async Task InitializeAsync()
    {
        var sw = Stopwatch.StartNew();
        Stack = await LocalStack.StartAsync();
        FirstStart = sw.Elapsed;
        S3 = Stack.CreateS3Client();
        await S3.PutBucketAsync(Bucket);
        sw.Restart();
        await Parallel.ForEachAsync(AllKeys, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (k, ct) =>
            await S3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = k, ContentBody = "x" }, ct));
        PutTime = sw.Elapsed;
    }

    public async Task DisposeAsync()
    {
        S3.Dispose();
        await Stack.DisposeAsync();
    }
}

public sealed class ListingTests(ListingFixture f, ITestOutputHelper output) : IClassFixture<ListingFixture>
{
    private async Task<(List<(string Value, bool IsPrefix)> Items, int Pages, int Requests)> ListV2All(
        string prefix, string? delimiter, int maxKeys, string? startAfter = null, bool encodeUrl = false)
    {
        var items = new List<(string, bool)>();
        string? token = null;
        var pages = 0;
        do
        {
            var req = new ListObjectsV2Request
            {
                BucketName = ListingFixture.Bucket,
                Prefix = prefix,
                Delimiter = delimiter,
                MaxKeys = maxKeys,
                ContinuationToken = token,
                StartAfter = startAfter,
            };
            if (encodeUrl)
            {
                req.Encoding = EncodingType.Url;
            }

            var resp = await f.S3.ListObjectsV2Async(req);
            pages++;
            var objs = resp.S3Objects ?? [];
            var cps = resp.CommonPrefixes ?? [];
            Func<string, string> dec = encodeUrl ? WebUtility.UrlDecode : k => k;
            var pageItems = objs.Select(o => (dec(o.Key), false)).Concat(cps.Select(c => (dec(c), true)))
                .OrderBy(x => x.Item1, Utf8Order.Comparer).ToList();
            Assert.Equal(pageItems.Count, resp.KeyCount);
            Assert.True(pageItems.Count <= maxKeys, $"page has {pageItems.Count} > {maxKeys}");
            if (resp.IsTruncated == true)
            {
                Assert.Equal(maxKeys, pageItems.Count); // S3 fills every page but the last
                Assert.False(string.IsNullOrEmpty(resp.NextContinuationToken));
            }

            // Keys and prefixes of a page must all come after everything on earlier pages.
            if (items.Count > 0 && pageItems.Count > 0)
            {
                Assert.True(Utf8Order.Compare(items[^1].Item1, pageItems[0].Item1) < 0,
                    $"page order: '{items[^1].Item1}' then '{pageItems[0].Item1}'");
            }

            items.AddRange(pageItems);
            token = resp.IsTruncated == true ? resp.NextContinuationToken : null;
        }
        while (token is not null);

        return (items, pages, pages);
    }

    private static void AssertSameListing(List<(string Value, bool IsPrefix)> expected, List<(string Value, bool IsPrefix)> actual)
    {
        var dupes = actual.GroupBy(x => x.Value, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(dupes.Count == 0, "listed more than once: " + string.Join(" | ", dupes.Take(10)));
        var missing = expected.Select(x => x.Value).Except(actual.Select(x => x.Value), StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "missing: " + string.Join(" | ", missing.Take(10)));
        var extra = actual.Select(x => x.Value).Except(expected.Select(x => x.Value), StringComparer.Ordinal).ToList();
        Assert.True(extra.Count == 0, "unexpected: " + string.Join(" | ", extra.Take(10)));
        Assert.Equal(expected, actual); // same order (UTF-8 bytes) and same key/prefix kinds
    }

    [Theory]
    [InlineData(7)]
    [InlineData(1000)]
    [InlineData(1)]
    public async Task ListObjectsV2_every_key_exactly_once_in_utf8_order(int maxKeys)
    {
        var sw = Stopwatch.StartNew();
        var (items, pages, _) = await ListV2All("", null, maxKeys);
        output.WriteLine($"MaxKeys={maxKeys}: {items.Count} keys in {pages} pages, {sw.ElapsedMilliseconds} ms (3000 puts took {f.PutTime.TotalMilliseconds:0} ms; first start {f.FirstStart.TotalMilliseconds:0} ms)");
        Assert.Equal(3000, items.Count);
        AssertSameListing(Keys.Expected(f.AllKeys, "", null), items);
        // Sanity: the order really differs from .NET ordinal (UTF-16) order and from culture order for these keys.
        var utf16 = f.AllKeys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        Assert.NotEqual(utf16, items.Select(x => x.Value).ToList());
    }

    [Theory]
    [InlineData("", 3)]
    [InlineData("", 1000)]
    [InlineData("data/", 2)]
    [InlineData("data/", 1000)]
    [InlineData("日本/", 1)]
    [InlineData("folder/", 1)]
    [InlineData("logs/", 5)]
    [InlineData("logs/2024/", 4)]
    [InlineData("emoji😀/", 7)]
    [InlineData("x+y/", 3)]
    public async Task ListObjectsV2_with_delimiter(string prefix, int maxKeys)
    {
        var (items, pages, _) = await ListV2All(prefix, "/", maxKeys);
        var expected = Keys.Expected(f.AllKeys, prefix, "/");
        output.WriteLine($"prefix='{prefix}' MaxKeys={maxKeys}: {items.Count} items ({items.Count(x => x.IsPrefix)} prefixes) in {pages} pages");
        output.WriteLine("  " + string.Join(" | ", items.Take(12).Select(x => (x.IsPrefix ? "P:" : "K:") + x.Value)));
        AssertSameListing(expected, items);
        Assert.Contains(items, x => x.IsPrefix);
    }

    [Fact]
    public async Task Root_common_prefixes_are_what_S3_would_return()
    {
        var (items, _, _) = await ListV2All("", "/", 1000);
        var prefixes = items.Where(x => x.IsPrefix).Select(x => x.Value).ToList();
        output.WriteLine(string.Join(" | ", prefixes));
        foreach (var p in new[] { "data/", "folder/", "logs/", "日本/", "emoji😀/", "x+y/", "ÄÖÜ/", "UPPER/", "upper/", "trailing/", "日本語/", "deep/", "docs/", "Mixed/", "mixed/" })
        {
            Assert.Contains(p, prefixes);
        }
    }

    [Fact]
    public async Task StartAfter_and_multichar_delimiter()
    {
        var expected = Keys.Expected(f.AllKeys, "", null);
        var startAfter = expected[1500].Value;
        var (items, _, _) = await ListV2All("", null, 250, startAfter);
        AssertSameListing(expected.Skip(1501).ToList(), items);

        var (withDelim, _, _) = await ListV2All("logs/", "/0", 3);
        AssertSameListing(Keys.Expected(f.AllKeys, "logs/", "/0"), withDelim);
    }

    [Fact]
    public async Task EncodingType_url_round_trips()
    {
        var (items, _, _) = await ListV2All("", null, 97, encodeUrl: true);
        var expected = Keys.Expected(f.AllKeys, "", null);
        // The SDK hands back S3's encoded form (ListV2All decodes it); check the raw wire form too.
        using var http = new HttpClient { BaseAddress = f.Stack.Endpoint };
        var xml = await http.GetStringAsync("listing-bucket?list-type=2&encoding-type=url&prefix=data/a&max-keys=3");
        output.WriteLine(xml);
        Assert.Contains("<Key>data/a%2Bb+c</Key>", xml, StringComparison.Ordinal);
        Assert.Contains("<Prefix>data/a</Prefix>", xml, StringComparison.Ordinal);
        Assert.Contains("<EncodingType>url</EncodingType>", xml, StringComparison.Ordinal);
        var v1 = await http.GetStringAsync("listing-bucket?max-keys=2");
        Assert.DoesNotContain("<NextMarker>", v1, StringComparison.Ordinal); // S3 sends NextMarker only with a delimiter
        Assert.Contains("<Owner><ID>", v1, StringComparison.Ordinal);
        var v1d = await http.GetStringAsync("listing-bucket?max-keys=2&delimiter=/");
        Assert.Contains("<NextMarker>", v1d, StringComparison.Ordinal);
        var decoded = items;
        AssertSameListing(expected, decoded);
    }

    [Theory]
    [InlineData(7, null)]
    [InlineData(1000, null)]
    [InlineData(3, "/")]
    public async Task ListObjects_v1_pages_with_marker(int maxKeys, string? delimiter)
    {
        var items = new List<(string, bool)>();
        string? marker = null;
        var pages = 0;
        while (true)
        {
            var resp = await f.S3.ListObjectsAsync(new ListObjectsRequest
            {
                BucketName = ListingFixture.Bucket,
                MaxKeys = maxKeys,
                Marker = marker,
                Delimiter = delimiter,
            });
            pages++;
            var objs = resp.S3Objects ?? [];
            var cps = resp.CommonPrefixes ?? [];
            var page = objs.Select(o => (o.Key, false)).Concat(cps.Select(c => (c, true))).OrderBy(x => x.Item1, Utf8Order.Comparer).ToList();
            items.AddRange(page);
            if (objs.Count > 0)
            {
                Assert.NotNull(objs[0].Owner);
            }

            if (resp.IsTruncated != true)
            {
                break;
            }

            marker = resp.NextMarker ?? objs[^1].Key;
        }

        output.WriteLine($"v1 MaxKeys={maxKeys} delimiter={delimiter}: {items.Count} items in {pages} pages");
        AssertSameListing(Keys.Expected(f.AllKeys, "", delimiter), items);
    }

    [Fact]
    public async Task Sdk_paginator_and_max_keys_zero()
    {
        var keys = new List<string>();
        await foreach (var o in f.S3.Paginators.ListObjectsV2(new ListObjectsV2Request { BucketName = ListingFixture.Bucket, MaxKeys = 7 }).S3Objects)
        {
            keys.Add(o.Key);
        }

        Assert.Equal(Keys.Expected(f.AllKeys, "", null).Select(x => x.Value), keys);
        var zero = await f.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = ListingFixture.Bucket, MaxKeys = 0 });
        Assert.Equal(0, zero.KeyCount);
        Assert.NotEqual(true, zero.IsTruncated);
        var missing = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => f.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "no-such-bucket" }));
        Assert.Equal("NoSuchBucket", missing.ErrorCode);
        var badToken = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => f.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = ListingFixture.Bucket, ContinuationToken = "bm9wZQ==" }));
        Assert.Equal("InvalidArgument", badToken.ErrorCode);
    }

    [Fact]
    public async Task Every_tricky_key_round_trips_through_Get()
    {
        var failures = new List<string>();
        foreach (var k in Keys.Tricky.Select(t => "data/" + t))
        {
            try
            {
                using var r = await f.S3.GetObjectAsync(ListingFixture.Bucket, k);
                Assert.Equal(k, r.Key);
            }
            catch (AmazonS3Exception ex)
            {
                failures.Add($"{k}: {ex.StatusCode}");
            }
        }

        Assert.Empty(failures);
    }
}

public sealed class FeatureTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Faults_and_request_log()
    {
        await using var stack = await LocalStack.StartAsync();
        using var s3 = stack.CreateS3Client(c => c.MaxErrorRetry = 0);
        await s3.PutBucketAsync("fault-bucket");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "fault-bucket", Key = "dir/victim file.txt", ContentBody = "v" });
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "fault-bucket", Key = "dir/other.txt", ContentBody = "o" });
        await stack.ClearRequestsAsync();

        // 500 once on GET of one key (path substring, decoded), then served.
        await stack.InjectFaultAsync("GET", "victim file", 500, "InternalError");
        var ex = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.GetObjectAsync("fault-bucket", "dir/victim file.txt"));
        Assert.Equal(HttpStatusCode.InternalServerError, ex.StatusCode);
        Assert.Equal("InternalError", ex.ErrorCode);
        using (var ok = await s3.GetObjectAsync("fault-bucket", "dir/victim file.txt"))
        {
            Assert.Equal(HttpStatusCode.OK, ok.HttpStatusCode);
        }

        // 503 SlowDown on ListObjectsV2 only (query match), twice.
        await stack.InjectFaultAsync("GET", "/fault-bucket", 503, "SlowDown", count: 2, queryContains: "list-type=2");
        await s3.ListObjectsAsync("fault-bucket"); // v1 is not matched
        var slow = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "fault-bucket" }));
        Assert.Equal("SlowDown", slow.ErrorCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, slow.StatusCode);

        // With the SDK's default retries the remaining SlowDown is retried away.
        using (var retrying = stack.CreateS3Client())
        {
            var listed = await retrying.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "fault-bucket" });
            Assert.Equal(2, listed.KeyCount);
        }

        // 403 AccessDenied by operation + key, on HEAD (no body).
        await stack.InjectFaultAsync(new LocalStackFault { Operation = "HeadObject", Key = "other", Status = 403, Code = "AccessDenied" });
        var denied = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.GetObjectMetadataAsync("fault-bucket", "dir/other.txt"));
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        var deniedGet = await stack.InjectFaultAsync(new LocalStackFault { Operation = "GetObject", Key = "other", Status = 403, Code = "AccessDenied", Count = -1 });
        Assert.True(deniedGet > 0);
        for (var i = 0; i < 3; i++)
        {
            var d = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.GetObjectAsync("fault-bucket", "dir/other.txt"));
            Assert.Equal("AccessDenied", d.ErrorCode);
        }

        await stack.ClearFaultsAsync();
        using (var after = await s3.GetObjectAsync("fault-bucket", "dir/other.txt"))
        {
            Assert.Equal(HttpStatusCode.OK, after.HttpStatusCode);
        }

        var log = await stack.GetRequestsAsync();
        foreach (var r in log)
        {
            output.WriteLine($"{r.Sequence} {r.Method} {r.Path}?{r.Query} -> {r.Status} [{r.Service}/{r.Operation} key={r.Key} fault={r.Fault}]");
        }

        var gets = log.Where(r => r.Operation == "GetObject" && r.Key == "dir/victim file.txt").ToList();
        Assert.Equal([500, 200], gets.Select(r => r.Status ?? 0));
        Assert.Equal("/fault-bucket/dir/victim%20file.txt", gets[0].Path);
        Assert.Equal([200, 503, 503, 200], log.Where(r => r.Operation is "ListObjects" or "ListObjectsV2").Select(r => r.Status ?? 0));
        Assert.DoesNotContain(log, r => r.Operation == "GetObject" && r.Key == "never-fetched");
        Assert.All(log, r => Assert.NotNull(r.Status));

        // SQS fault in the SQS JSON error shape.
        using var sqs = stack.CreateSqsClient(c => c.MaxErrorRetry = 0);
        var q = await sqs.CreateQueueAsync("faulty");
        await stack.InjectFaultAsync(new LocalStackFault { Operation = "ReceiveMessage", Queue = "faulty", Status = 500, Code = "InternalFailure" });
        var sqsEx = await Assert.ThrowsAsync<AmazonSQSException>(() => sqs.ReceiveMessageAsync(q.QueueUrl));
        Assert.Equal(HttpStatusCode.InternalServerError, sqsEx.StatusCode);
        Assert.Equal("InternalFailure", sqsEx.ErrorCode);
        var sqsLog = (await stack.GetRequestsAsync()).Where(r => r.Service == "sqs").ToList();
        Assert.Contains(sqsLog, r => r.Operation == "ReceiveMessage" && r.Queue == "faulty" && r.Status == 500);

        await stack.ClearRequestsAsync();
        Assert.Empty(await stack.GetRequestsAsync());
    }

    [Fact]
    public async Task Storage_class_owner_and_archived_objects()
    {
        await using var stack = await LocalStack.StartAsync();
        using var s3 = stack.CreateS3Client(c => c.MaxErrorRetry = 0);
        await s3.PutBucketAsync("sc-bucket");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "sc-bucket", Key = "cold.bin", ContentBody = "c", StorageClass = S3StorageClass.Glacier });
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "sc-bucket", Key = "ia.bin", ContentBody = "i", StorageClass = S3StorageClass.StandardInfrequentAccess });
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "sc-bucket", Key = "std.bin", ContentBody = "s" });
        await s3.CopyObjectAsync(new CopyObjectRequest { SourceBucket = "sc-bucket", SourceKey = "ia.bin", DestinationBucket = "sc-bucket", DestinationKey = "ia-copy.bin" });
        await s3.CopyObjectAsync(new CopyObjectRequest { SourceBucket = "sc-bucket", SourceKey = "std.bin", DestinationBucket = "sc-bucket", DestinationKey = "deep.bin", StorageClass = S3StorageClass.DeepArchive });

        // Multipart with a storage class: 5 MiB + 1 byte.
        var init = await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = "sc-bucket", Key = "mp.bin", StorageClass = S3StorageClass.IntelligentTiering });
        var part1 = await s3.UploadPartAsync(new UploadPartRequest { BucketName = "sc-bucket", Key = "mp.bin", UploadId = init.UploadId, PartNumber = 1, InputStream = new MemoryStream(new byte[5 * 1024 * 1024]) });
        var part2 = await s3.UploadPartAsync(new UploadPartRequest { BucketName = "sc-bucket", Key = "mp.bin", UploadId = init.UploadId, PartNumber = 2, InputStream = new MemoryStream(new byte[1]) });
        await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = "sc-bucket",
            Key = "mp.bin",
            UploadId = init.UploadId,
            PartETags = [new PartETag(1, part1.ETag), new PartETag(2, part2.ETag)],
        });

        var list = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "sc-bucket", FetchOwner = true });
        foreach (var o in list.S3Objects)
        {
            output.WriteLine($"{o.Key} {o.StorageClass} owner={o.Owner?.Id}/{o.Owner?.DisplayName} size={o.Size} lm={o.LastModified:O}");
        }

        var byKey = list.S3Objects.ToDictionary(o => o.Key, o => o.StorageClass.Value);
        Assert.Equal("GLACIER", byKey["cold.bin"]);
        Assert.Equal("STANDARD_IA", byKey["ia.bin"]);
        Assert.Equal("STANDARD", byKey["std.bin"]);
        Assert.Equal("STANDARD", byKey["ia-copy.bin"]); // a copy without the header is STANDARD, as on S3
        Assert.Equal("DEEP_ARCHIVE", byKey["deep.bin"]);
        Assert.Equal("INTELLIGENT_TIERING", byKey["mp.bin"]);
        Assert.All(list.S3Objects, o => Assert.False(string.IsNullOrEmpty(o.Owner?.Id)));
        Assert.All(list.S3Objects, o => Assert.False(string.IsNullOrEmpty(o.Owner?.DisplayName)));

        var noOwner = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "sc-bucket" });
        Assert.All(noOwner.S3Objects, o => Assert.Null(o.Owner));

        var head = await s3.GetObjectMetadataAsync("sc-bucket", "cold.bin");
        Assert.Equal("GLACIER", head.StorageClass?.Value);
        // LastModified in a listing equals HEAD's (whole seconds), as on S3.
        Assert.Equal(head.LastModified, list.S3Objects.Single(o => o.Key == "cold.bin").LastModified);
        var archived = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectAsync("sc-bucket", "cold.bin"));
        Assert.Equal(HttpStatusCode.Forbidden, archived.StatusCode);
        Assert.Equal("InvalidObjectState", archived.ErrorCode);
        using (var ia = await s3.GetObjectAsync("sc-bucket", "ia.bin"))
        {
            Assert.Equal("STANDARD_IA", ia.StorageClass?.Value);
        }

        var bogus = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.PutObjectAsync(new PutObjectRequest { BucketName = "sc-bucket", Key = "x", ContentBody = "x", StorageClass = new S3StorageClass("BOGUS") }));
        Assert.Equal("InvalidStorageClass", bogus.ErrorCode);
    }

    [Fact]
    public async Task Sqs_send_receive_delete_and_redrive_to_dlq()
    {
        await using var stack = await LocalStack.StartAsync();
        using var sqs = stack.CreateSqsClient();
        var dlq = await sqs.CreateQueueAsync("work-dlq");
        var dlqArn = (await sqs.GetQueueAttributesAsync(dlq.QueueUrl, ["QueueArn"])).QueueARN;
        var main = await sqs.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = "work",
            Attributes = new Dictionary<string, string>
            {
                ["VisibilityTimeout"] = "1",
                ["RedrivePolicy"] = $"{{\"deadLetterTargetArn\":\"{dlqArn}\",\"maxReceiveCount\":\"2\"}}",
            },
        });

        await sqs.SendMessageAsync(main.QueueUrl, "keep");
        var r1 = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = main.QueueUrl, WaitTimeSeconds = 1 });
        Assert.Equal("keep", Assert.Single(r1.Messages).Body);
        await sqs.DeleteMessageAsync(main.QueueUrl, r1.Messages[0].ReceiptHandle);

        await sqs.SendMessageAsync(main.QueueUrl, "poison");
        for (var i = 1; i <= 2; i++)
        {
            var r = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = main.QueueUrl, WaitTimeSeconds = 3, MessageSystemAttributeNames = ["ApproximateReceiveCount"] });
            var m = Assert.Single(r.Messages);
            Assert.Equal(i.ToString(), m.Attributes["ApproximateReceiveCount"]);
            await Task.Delay(1200); // let visibility expire without deleting
        }

        var none = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = main.QueueUrl, WaitTimeSeconds = 1 });
        Assert.True(none.Messages is null || none.Messages.Count == 0);
        var dead = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = dlq.QueueUrl, WaitTimeSeconds = 2 });
        Assert.Equal("poison", Assert.Single(dead.Messages).Body);
        await sqs.DeleteMessageAsync(dlq.QueueUrl, dead.Messages[0].ReceiptHandle);
    }

    [Fact]
    public async Task Notification_bridge()
    {
        await using var stack = await LocalStack.StartAsync(new LocalStackOptions { S3Notifications = "notif-bucket:s3-events" });
        using var s3 = stack.CreateS3Client();
        using var sqs = stack.CreateSqsClient();
        var q = await sqs.CreateQueueAsync("s3-events");
        await s3.PutBucketAsync("notif-bucket");
        await s3.PutBucketAsync("quiet-bucket");

        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "notif-bucket", Key = "in/hello world+1é.txt", ContentBody = "hi" });
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "quiet-bucket", Key = "nothing.txt", ContentBody = "q" });
        await s3.CopyObjectAsync("notif-bucket", "in/hello world+1é.txt", "notif-bucket", "in/copy.txt");
        var init = await s3.InitiateMultipartUploadAsync("notif-bucket", "in/big.bin");
        var p1 = await s3.UploadPartAsync(new UploadPartRequest { BucketName = "notif-bucket", Key = "in/big.bin", UploadId = init.UploadId, PartNumber = 1, InputStream = new MemoryStream(new byte[5 * 1024 * 1024]) });
        var p2 = await s3.UploadPartAsync(new UploadPartRequest { BucketName = "notif-bucket", Key = "in/big.bin", UploadId = init.UploadId, PartNumber = 2, InputStream = new MemoryStream(new byte[10]) });
        await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = "notif-bucket", Key = "in/big.bin", UploadId = init.UploadId, PartETags = [new PartETag(1, p1.ETag), new PartETag(2, p2.ETag)] });
        await s3.DeleteObjectAsync("notif-bucket", "in/hello world+1é.txt");
        await s3.DeleteObjectAsync("notif-bucket", "in/never-existed.txt");
        await s3.DeleteObjectsAsync(new DeleteObjectsRequest { BucketName = "notif-bucket", Objects = [new KeyVersion { Key = "in/copy.txt" }, new KeyVersion { Key = "in/missing" }] });

        var bodies = new List<string>();
        while (true)
        {
            var r = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = q.QueueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 });
            if (r.Messages is null || r.Messages.Count == 0)
            {
                break;
            }

            foreach (var m in r.Messages)
            {
                bodies.Add(m.Body);
                await sqs.DeleteMessageAsync(q.QueueUrl, m.ReceiptHandle);
            }
        }

        output.WriteLine(bodies[0]);
        var records = bodies.Select(b => JsonDocument.Parse(b).RootElement.GetProperty("Records")[0]).ToList();
        var summary = records.Select(r => (Event: r.GetProperty("eventName").GetString(), Key: r.GetProperty("s3").GetProperty("object").GetProperty("key").GetString(), Seq: r.GetProperty("s3").GetProperty("object").GetProperty("sequencer").GetString()!)).ToList();
        foreach (var s in summary)
        {
            output.WriteLine($"{s.Event} {s.Key} {s.Seq}");
        }

        Assert.Equal(
            [
                ("ObjectCreated:Put", "in/hello+world%2B1%C3%A9.txt"),
                ("ObjectCreated:Copy", "in/copy.txt"),
                ("ObjectCreated:CompleteMultipartUpload", "in/big.bin"),
                ("ObjectRemoved:Delete", "in/hello+world%2B1%C3%A9.txt"),
                ("ObjectRemoved:Delete", "in/copy.txt"),
            ],
            summary.Select(s => (s.Event!, s.Key!)).ToList());
        Assert.True(summary.Zip(summary.Skip(1)).All(p => string.CompareOrdinal(p.First.Seq, p.Second.Seq) < 0), "sequencers increase");
        var put = records[0];
        Assert.Equal("2.1", put.GetProperty("eventVersion").GetString());
        Assert.Equal("aws:s3", put.GetProperty("eventSource").GetString());
        Assert.Equal("us-east-1", put.GetProperty("awsRegion").GetString());
        Assert.Equal("1.0", put.GetProperty("s3").GetProperty("s3SchemaVersion").GetString());
        Assert.Equal("arn:aws:s3:::notif-bucket", put.GetProperty("s3").GetProperty("bucket").GetProperty("arn").GetString());
        Assert.Equal(2, put.GetProperty("s3").GetProperty("object").GetProperty("size").GetInt64());
        Assert.Equal("49f68a5c8493ec2c0bf489821c21fc3b", put.GetProperty("s3").GetProperty("object").GetProperty("eTag").GetString());
        Assert.True(DateTimeOffset.TryParse(put.GetProperty("eventTime").GetString(), out _));
        Assert.Equal(5 * 1024 * 1024 + 10, records[2].GetProperty("s3").GetProperty("object").GetProperty("size").GetInt64());

        // Routes can be replaced at run time, with prefix/suffix filters.
        await sqs.CreateQueueAsync("quiet-events");
        await stack.SetS3NotificationsAsync([new LocalStackNotificationRoute("quiet-bucket", "quiet-events", Prefix: "pdf/", Suffix: ".pdf")]);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "quiet-bucket", Key = "pdf/a.pdf", ContentBody = "%PDF" });
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "quiet-bucket", Key = "pdf/a.txt", ContentBody = "t" });
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "notif-bucket", Key = "in/after.txt", ContentBody = "t" });
        var quietUrl = (await sqs.GetQueueUrlAsync("quiet-events")).QueueUrl;
        var got = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = quietUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 });
        Assert.Contains("pdf/a.pdf", Assert.Single(got.Messages).Body, StringComparison.Ordinal);
        var old = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = q.QueueUrl, WaitTimeSeconds = 1 });
        Assert.True(old.Messages is null || old.Messages.Count == 0);
    }

    [Fact]
    public async Task Reset_and_dispose()
    {
        var stack = await LocalStack.StartAsync();
        var pid = stack.ProcessId;
        using (var s3 = stack.CreateS3Client())
        {
            await s3.PutBucketAsync("reset-bucket");
            await stack.ResetAsync();
            var buckets = await s3.ListBucketsAsync();
            Assert.True(buckets.Buckets is null || buckets.Buckets.Count == 0);
        }

        Assert.False(Process.GetProcessById(pid).HasExited);
        await stack.DisposeAsync();
        await stack.DisposeAsync(); // idempotent
        Assert.Throws<ArgumentException>(() => Process.GetProcessById(pid));
    }

    [Fact]
    public async Task Listing_can_ignore_encoding_type_or_truncate_without_a_token()
    {
        await using var stack = await LocalStack.StartAsync(new LocalStackOptions { IgnoreEncodingType = true });
        using var s3 = stack.CreateS3Client();
        async Task<ListObjectsV2Response> ListAsync() =>
            await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "shape-bucket", Delimiter = "/", Encoding = EncodingType.Url });
        async Task SeedAsync()
        {
            await s3.PutBucketAsync("shape-bucket");
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = "shape-bucket", Key = "a+b/c d.txt", ContentBody = "x" });
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = "shape-bucket", Key = "plus+sign é.txt", ContentBody = "x" });
        }

        await SeedAsync();
        Assert.True((await stack.GetBehaviourAsync()).IgnoreEncodingType);
        var raw = await ListAsync();
        Assert.Null(raw.Encoding);
        Assert.Equal(["plus+sign é.txt"], raw.S3Objects.Select(o => o.Key));
        Assert.Equal(["a+b/"], raw.CommonPrefixes);

        await stack.IgnoreEncodingTypeAsync(false);
        var encoded = await ListAsync();
        Assert.Equal(EncodingType.Url, encoded.Encoding);
        Assert.Equal(["plus%2Bsign+%C3%A9.txt"], encoded.S3Objects.Select(o => o.Key));
        Assert.Equal(["a%2Bb/"], encoded.CommonPrefixes);

        // Reset goes back to the start-up behaviour, not to real S3.
        await stack.ResetAsync();
        Assert.True((await stack.GetBehaviourAsync()).IgnoreEncodingType);

        await SeedAsync();
        await stack.InjectTruncatedListingAsync("shape-bucket", count: 1, queryContains: "delimiter");
        var broken = await ListAsync();
        Assert.True(broken.IsTruncated);
        Assert.Null(broken.NextContinuationToken);
        Assert.Single(broken.S3Objects);
        var healed = await ListAsync();
        Assert.False(healed.IsTruncated);
    }

    [Fact]
    public async Task Start_failures_carry_stderr()
    {
        var options = new LocalStackOptions();
        options.Environment["FAUXQS_S3_NOTIFY"] = "not-a-route";
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => LocalStack.StartAsync(options));
        output.WriteLine(ex.Message);
        Assert.Contains("FAUXQS_S3_NOTIFY: expected bucket:queue", ex.Message, StringComparison.Ordinal);

        var slow = await Assert.ThrowsAsync<InvalidOperationException>(() => LocalStack.StartAsync(new LocalStackOptions { StartTimeout = TimeSpan.FromMilliseconds(5) }));
        output.WriteLine(slow.Message);
        Assert.Contains("did not print its ready line", slow.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Paths_for_scripts()
    {
        output.WriteLine($"RepoRoot={LocalStack.RepoRoot}\nNodePath={LocalStack.NodePath}\nLauncherPath={LocalStack.LauncherPath}");
        Assert.True(File.Exists(LocalStack.LauncherPath));
    }
}
