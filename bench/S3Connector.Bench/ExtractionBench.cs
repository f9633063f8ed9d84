using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using DocumentFormat.OpenXml;
using S3Connector.Core.Extraction;
using S3Connector.Testing;

namespace S3Connector.Bench;

/// <summary>
/// Extraction throughput per format (in-process, no I/O) and the peak memory of a sync over a batch of 10 MB files
/// with the default concurrency (see docs/BENCHMARKS.md).
/// </summary>
public static class ExtractionBench
{
    private const int TenMiB = 10 * 1024 * 1024;

    /// <summary>Files of about 10 MB per format, as they occur: text-heavy for text formats, media-heavy for Office.</summary>
    public static byte[] LargeFile(string extension) => extension switch
    {
        ".txt" => Encoding.UTF8.GetBytes(Filler(TenMiB)),
        ".html" => Encoding.UTF8.GetBytes(Html(TenMiB)),
        ".xml" => Encoding.UTF8.GetBytes("<?xml version=\"1.0\"?><root>" + string.Concat(Enumerable.Range(0, TenMiB / 80).Select(i => $"<item id=\"{i}\">Item {i} has filler words</item>")) + "</root>"),
        ".pdf" => SampleDocuments.Pdf("Start of the benchmark PDF.", pages: 1_200),
        ".docx" => WithMedia(SampleDocuments.Docx("Start of the benchmark document.", paragraphs: 20_000), TenMiB),
        ".pptx" => WithMedia(SampleDocuments.Pptx("Start of the benchmark deck.", PresentationDocumentType.Presentation, slides: 200), TenMiB),
        ".xlsx" => SampleDocuments.Xlsx("Start of the benchmark workbook.", macroEnabled: false, rows: 100_000),
        ".odt" => SampleDocuments.Odt(Filler(4 * 1024 * 1024), encrypted: false),
        ".rtf" => Encoding.ASCII.GetBytes("{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}" + Filler(TenMiB).Replace("\n", "\\par ", StringComparison.Ordinal) + "}"),
        _ => throw new ArgumentOutOfRangeException(nameof(extension)),
    };

    public static async Task<int> ThroughputAsync(int runs)
    {
        var extractor = new ContentExtractor();
        Console.WriteLine("| format | file size | body cap 1,000,000 chars (default) | no cap (50,000,000) |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var extension in new[] { ".txt", ".html", ".xml", ".pdf", ".docx", ".pptx", ".xlsx", ".odt", ".rtf" })
        {
            var file = LargeFile(extension);
            var capped = await MeasureAsync(extractor, file, extension, 1_000_000, runs);
            var full = await MeasureAsync(extractor, file, extension, 50_000_000, runs);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {extension} | {file.Length / 1024.0 / 1024.0:F1} MB | {capped:F1} MB/s | {full:F1} MB/s |"));
        }

        return 0;
    }

    /// <summary>Median MB/s of file bytes over <paramref name="runs"/> runs, after one warm-up.</summary>
    private static async Task<double> MeasureAsync(ContentExtractor extractor, byte[] file, string extension, int maxChars, int runs)
    {
        var rates = new List<double>();
        for (var run = 0; run <= runs; run++)
        {
            var clock = Stopwatch.StartNew();
            var result = await extractor.ExtractAsync(new MemoryStream(file, writable: false), extension, maxChars, CancellationToken.None);
            clock.Stop();
            if (result.Text is null)
            {
                throw new InvalidOperationException($"{extension}: {result.FailureReason} {result.Detail}");
            }

            if (run > 0)
            {
                rates.Add(file.Length / 1024.0 / 1024.0 / clock.Elapsed.TotalSeconds);
            }
        }

        rates.Sort();
        return rates[rates.Count / 2];
    }

    /// <summary>
    /// A dry-run sync (no Elasticsearch in the process) over <paramref name="count"/> files of 10 MB in four formats,
    /// sampling the process's working set and managed heap every 10 ms.
    /// </summary>
    public static async Task<int> MemoryAsync(int count)
    {
        await using var aws = await LocalStack.StartAsync();
        using var s3 = aws.CreateS3Client();
        const string bucket = "memory";
        await s3.PutBucketAsync(bucket);
        string[] formats = [".txt", ".html", ".pdf", ".docx"];
        // A real 10 MB PDF, not a small one padded: PdfPig looks for the cross-reference table at the end of the file.
        var files = formats.ToDictionary(f => f, f => f == ".pdf" ? SampleDocuments.Pdf("Start of the benchmark PDF.", pages: 9_000) : Pad(LargeFile(f), f));
        foreach (var (extension, bytes) in files)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{extension}: {bytes.Length:N0} bytes"));
        }

        for (var i = 0; i < count; i++)
        {
            var extension = formats[i % formats.Length];
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"big/file{i:D3}{extension}", InputStream = new MemoryStream(files[extension]) });
        }

        files.Clear();
        var config = Path.Combine(Path.GetTempPath(), $"bench-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, new JsonObject
        {
            ["buckets"] = new JsonArray(bucket),
            ["index_name"] = "memory-bench",
            ["endpoint_url"] = aws.Endpoint.ToString().TrimEnd('/'),
            ["aws_access_key_id"] = "test",
            ["aws_secret_access_key"] = "test",
            ["elasticsearch"] = new JsonObject { ["host"] = "http://127.0.0.1:9" },
        }.ToJsonString());
        var output = Path.Combine(Path.GetTempPath(), $"bench-{Guid.NewGuid():N}.ndjson");

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.WorkingSet64;
        long peakWorkingSet = before, peakHeap = GC.GetTotalMemory(false);
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakWorkingSet = Math.Max(peakWorkingSet, Environment.WorkingSet);
                peakHeap = Math.Max(peakHeap, GC.GetGCMemoryInfo().HeapSizeBytes);
                await Task.Delay(10, CancellationToken.None);
            }
        });
        var clock = Stopwatch.StartNew();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await Cli.Program.RunAsync(["sync", "--config", config, "--dry-run", output], new Dictionary<string, string?>(), stdout, stderr, CancellationToken.None);
        clock.Stop();
        await stop.CancelAsync();
        await sampler;
        Console.WriteLine(stdout.ToString());
        if (code != 0)
        {
            Console.Error.WriteLine(stderr.ToString());
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{count} files of 10 MB ({string.Join(' ', formats)}) in {clock.Elapsed.TotalSeconds:F1} s, {count * 10.0 / clock.Elapsed.TotalSeconds:F1} MB/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"working set before {before / 1048576.0:F0} MiB, peak {peakWorkingSet / 1048576.0:F0} MiB (+{(peakWorkingSet - before) / 1048576.0:F0} MiB); peak GC heap {peakHeap / 1048576.0:F0} MiB"));
        File.Delete(output);
        File.Delete(config);
        return code;
    }

    /// <summary>Pads to exactly 10 MiB where the format allows trailing bytes (text, PDF after %%EOF, zip comment-free media).</summary>
    private static byte[] Pad(byte[] file, string extension)
    {
        if (file.Length > TenMiB && extension is ".txt" or ".html")
        {
            // Exactly max_file_size: the largest object that is still extracted.
            return file[..TenMiB];
        }

        if (file.Length >= TenMiB || extension is ".docx" or ".pdf")
        {
            return file;
        }

        var padded = new byte[TenMiB];
        file.CopyTo(padded, 0);
        padded.AsSpan(file.Length).Fill((byte)'\n');
        return padded;
    }

    private static string Filler(int bytes)
    {
        var sb = new StringBuilder(bytes + 100);
        for (var i = 0; sb.Length < bytes; i++)
        {
            sb.Append("Line ").Append(i).Append(" of the benchmark holds some ordinary filler words for the extractor.\n");
        }

        return sb.ToString();
    }

    private static string Html(int bytes)
    {
        var sb = new StringBuilder(bytes + 200);
        sb.Append("<!DOCTYPE html><html><head><title>Bench</title><style>p { margin: 0 }</style></head><body>");
        for (var i = 0; sb.Length < bytes; i++)
        {
            sb.Append("<div class=\"row\"><p>Paragraph ").Append(i).Append(" with <b>bold</b> and <a href=\"#x\">a link</a> &amp; words.</p>");
            if (i % 100 == 0)
            {
                sb.Append("<script>var x = ").Append(i).Append(";</script>");
            }

            sb.Append("</div>");
        }

        return sb.Append("</body></html>").ToString();
    }

    /// <summary>Adds an incompressible media part, as real 10 MB Office files are mostly images.</summary>
    private static byte[] WithMedia(byte[] package, int targetBytes)
    {
        using var stream = new MemoryStream();
        stream.Write(package);
        using (var zip = new System.IO.Compression.ZipArchive(stream, System.IO.Compression.ZipArchiveMode.Update, leaveOpen: true))
        {
            var noise = new byte[Math.Max(0, targetBytes - package.Length - 4096)];
            new Random(42).NextBytes(noise);
            using var entry = zip.CreateEntry("media/image1.bin", System.IO.Compression.CompressionLevel.NoCompression).Open();
            entry.Write(noise);
        }

        return stream.ToArray();
    }
}
