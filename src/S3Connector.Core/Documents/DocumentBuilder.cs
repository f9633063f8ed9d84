using System.Globalization;
using Microsoft.Extensions.Logging;
using S3Connector.Core.Budgets;
using S3Connector.Core.Configuration;
using S3Connector.Core.Diagnostics;
using S3Connector.Core.Extraction;
using S3Connector.Core.S3;

namespace S3Connector.Core.Documents;

/// <summary>How one listed object ended.</summary>
public enum ObjectFate
{
    /// <summary>Indexed with its content.</summary>
    Content,

    /// <summary>Indexed with metadata only; <see cref="BuiltDocument.Reason"/> says why.</summary>
    MetadataOnly,

    /// <summary>Not indexed: the object was deleted between listing and reading.</summary>
    Gone,

    /// <summary>Reading failed in a way a later attempt can fix; indexed with metadata only for now.</summary>
    Retryable,
}

public sealed record BuiltDocument(S3Document? Document, ObjectFate Fate, string? Reason, long BytesDownloaded);

/// <summary>Turns a listed object into its document (CONTRACT §2), downloading only what will be extracted.</summary>
public sealed class DocumentBuilder(
    ConnectorOptions options, S3Gateway s3, ITextExtractor extractor, ContentBudgets budgets, ILogger<DocumentBuilder> logger)
{
    /// <summary>What a document costs beyond its content: metadata, the JSON line, buffers.</summary>
    private const long DocumentOverhead = 64 * 1024;

    /// <summary>Text of a compressed format (docx, xlsx) may run this many times the file's size, up to max_body_chars.</summary>
    private const long TextPerFileByte = 10;

    private readonly DocumentFingerprint _fingerprint = new(options);

    /// <summary>
    /// The memory an object's document holds from its download until its bulk request is sent, in bytes. Pipeline
    /// mode: the raw bytes, then the base64 JSON line (4/3) and the request body built from the lines (4/3 again).
    /// Local extraction: the in-memory spool of a small file (larger ones go to /tmp), the readers' working set (about
    /// the file), and the text: a growing StringBuilder, its string, its escaped UTF-8 line and the request body.
    /// </summary>
    public long MemoryEstimate(S3ObjectInfo obj)
    {
        if (!WillDownload(obj))
        {
            return DocumentOverhead;
        }

        var size = Math.Min(Math.Max(obj.Size, 0), options.MaxFileSize);
        if (options.Extraction == ExtractionMode.Pipeline)
        {
            return DocumentOverhead + size + 2 * (size * 4 / 3);
        }

        var chars = Math.Min(options.MaxBodyChars, size * TextPerFileByte);
        return DocumentOverhead + Math.Min(size, ContentSpool.InMemoryLimit) + size + 8 * chars;
    }

    /// <summary>
    /// Takes <see cref="MemoryEstimate"/> from the process's memory budget: held by the caller from before the
    /// download until the sink has sent the document (see <see cref="Elasticsearch.DocumentWrite.Hold"/>).
    /// </summary>
    public ValueTask<BudgetHold> ReserveAsync(S3ObjectInfo obj, CancellationToken ct) =>
        budgets.Memory.AcquireAsync(MemoryEstimate(obj), ct);

    /// <summary>The fingerprint the document of <paramref name="obj"/> gets (see <see cref="DocumentFingerprint"/>).</summary>
    public string FingerprintOf(S3ObjectInfo obj) => _fingerprint.Of(obj);

    /// <summary>Whether the object's content would be downloaded, decided from the listing alone.</summary>
    public bool WillDownload(S3ObjectInfo obj) => ContentPolicy.Decide(obj, options, extractor) == ContentSkipReason.None;

    public static S3Document MetadataDocument(S3ObjectInfo obj, string? syncJobId, DateTimeOffset observedAt) => new()
    {
        Id = ObjectKeys.DocumentId(obj.Bucket, obj.Key),
        Filename = obj.Key,
        Bucket = obj.Bucket,
        SizeInBytes = obj.Size,
        Owner = obj.Owner,
        StorageClass = obj.StorageClass,
        Timestamp = FormatTimestamp(obj.LastModified),
        Url = $"s3://{obj.Bucket}/{obj.Key}",
        Etag = obj.ETag,
        Extension = ObjectKeys.Extension(obj.Key),
        SyncJobId = syncJobId,
        ObservedAt = observedAt,
    };

    /// <summary>ISO 8601 in UTC with an explicit offset, to the second (S3's own precision).</summary>
    public static string FormatTimestamp(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture);

    /// <param name="observedAt">When <paramref name="obj"/> was read from S3 (see <see cref="S3Document.ObservedAt"/>).</param>
    public async Task<BuiltDocument> BuildAsync(
        S3ObjectInfo obj, string? region, string? syncJobId, DateTimeOffset observedAt, CancellationToken ct)
    {
        var document = MetadataDocument(obj, syncJobId, observedAt) with { Fingerprint = _fingerprint.Of(obj) };
        var skip = ContentPolicy.Decide(obj, options, extractor);
        if (skip != ContentSkipReason.None)
        {
            return new BuiltDocument(document, ObjectFate.MetadataOnly, ReasonName(skip), 0);
        }

        // One clock for download and extraction: a slow S3 read and a pathological file are bounded alike.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.ExtractionTimeoutSeconds));
        long downloaded = 0;
        BuiltDocument built;
        try
        {
            built = await FetchAndExtractAsync(obj, region, document, bytes => downloaded = bytes, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            Log.ContentFailed(logger, obj.Bucket, obj.Key, $"not read within {options.ExtractionTimeoutSeconds} s");
            built = new BuiltDocument(document, ObjectFate.MetadataOnly, ObjectReasons.TimedOut, downloaded);
        }
        catch (ObjectGrewException grew)
        {
            // Listed under max_file_size, larger when read: what was listed decides nothing, the bytes read do.
            Log.ContentFailed(logger, obj.Bucket, obj.Key, grew.Message);
            built = new BuiltDocument(document, ObjectFate.MetadataOnly, ObjectReasons.TooLarge, grew.BytesRead);
        }
        catch (IOException e) when (ContentSpool.IsDiskFull(e))
        {
            Log.ContentFailed(logger, obj.Bucket, obj.Key, $"the temporary directory {Path.GetTempPath()} is full");
            built = new BuiltDocument(document, ObjectFate.MetadataOnly, ObjectReasons.TemporaryDirectoryFull, downloaded);
        }

        // A document that lacks its content for a reason that may pass carries no fingerprint, so the next full sync
        // tries the object again instead of keeping it metadata-only for good.
        return built.Reason is not null && ObjectReasons.MayPass(built.Reason) && built.Document is { } partial
            ? built with { Document = partial with { Fingerprint = null } }
            : built;
    }

    private async Task<BuiltDocument> FetchAndExtractAsync(
        S3ObjectInfo obj, string? region, S3Document document, Action<long> reportBytes, CancellationToken ct)
    {
        FetchedObject fetched;
        try
        {
            // Disposed by the `await using (fetched)` below, which the analyzer cannot follow past the catch.
#pragma warning disable CA2000
            fetched = await s3.GetAsync(obj.Bucket, region, obj.Key, ct);
#pragma warning restore CA2000
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            if (S3Errors.IsNotFound(e))
            {
                return new BuiltDocument(null, ObjectFate.Gone, ObjectReasons.DeletedBeforeRead, 0);
            }

            var reason = S3Errors.Describe(e);
            Log.ContentFailed(logger, obj.Bucket, obj.Key, reason);
            if (S3Errors.IsArchived(e))
            {
                // INTELLIGENT_TIERING archive tiers are invisible in the listing; S3 tells us only now.
                return new BuiltDocument(document, ObjectFate.MetadataOnly, ReasonName(ContentSkipReason.Archived), 0);
            }

            return S3Errors.IsRetryable(e)
                ? new BuiltDocument(document, ObjectFate.Retryable, ObjectReasons.FetchFailed, 0)
                : new BuiltDocument(document, ObjectFate.MetadataOnly, ObjectReasons.FetchRefused, 0);
        }

        await using (fetched)
        {
            document = document with
            {
                ContentType = fetched.ContentType,
                Metadata = fetched.Metadata.Count > 0 ? fetched.Metadata : null,
            };
            await using var counting = new CountingStream(fetched.Content, options.MaxFileSize);
            if (options.Extraction == ExtractionMode.Pipeline)
            {
                // The raw bytes are the document (serialized as base64 straight into the bulk line), so they are read
                // once into an array of the listed size rather than a doubling buffer and a base64 string.
                var content = await ReadAllAsync(counting, obj.Size, ct);
                reportBytes(counting.BytesRead);
                return new BuiltDocument(
                    document with
                    {
                        Attachment = content,
                        ExtractBinaryContent = true,
                        ReduceWhitespace = true,
                        RunMlInference = false,
                    },
                    ObjectFate.Content, null, counting.BytesRead);
            }

            ContentSpool spool;
            try
            {
                spool = await ContentSpool.FillAsync(counting, obj.Size, budgets.Disk, ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && (e is IOException or HttpRequestException) && !ContentSpool.IsDiskFull(e))
            {
                // The connection broke mid-body: a retry can read it whole.
                Log.ContentFailed(logger, obj.Bucket, obj.Key, e.Message);
                return new BuiltDocument(document, ObjectFate.Retryable, ObjectReasons.FetchFailed, counting.BytesRead);
            }
            finally
            {
                reportBytes(counting.BytesRead);
            }

            ExtractionResult result;
            await using (spool)
            {
                result = await extractor.ExtractAsync(spool.Content, document.Extension, options.MaxBodyChars, ct);
            }

            if (result.Text is null)
            {
                var reason = result.FailureReason ?? ObjectReasons.Corrupt;
                Log.ContentFailed(logger, obj.Bucket, obj.Key, $"{reason}: {result.Detail}");
                return new BuiltDocument(document, ObjectFate.MetadataOnly, reason, counting.BytesRead);
            }

            return new BuiltDocument(document with { Body = result.Text }, ObjectFate.Content, null, counting.BytesRead);
        }
    }

    /// <summary>The whole body, in an array of the listed size when the object still has it.</summary>
    private static async Task<byte[]> ReadAllAsync(Stream content, long listedSize, CancellationToken ct)
    {
        var buffer = new byte[Math.Max(listedSize, 0)];
        var length = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
        if (length < buffer.Length)
        {
            return buffer[..length];
        }

        // It may have grown since it was listed: the rest, up to max_file_size (the stream enforces it).
        using var rest = new MemoryStream();
        await content.CopyToAsync(rest, ct);
        return rest.Length == 0 ? buffer : [.. buffer, .. rest.GetBuffer().AsSpan(0, (int)rest.Length)];
    }

    public static string ReasonName(ContentSkipReason reason) => reason switch
    {
        ContentSkipReason.Folder => ObjectReasons.Folder,
        ContentSkipReason.UnsupportedExtension => ObjectReasons.UnsupportedExtension,
        ContentSkipReason.TooLarge => ObjectReasons.TooLarge,
        ContentSkipReason.Archived => ObjectReasons.Archived,
        ContentSkipReason.ExtractionDisabled => ObjectReasons.ExtractionDisabled,
        ContentSkipReason.UnsupportedFormat => ObjectReasons.UnsupportedFormat,
        ContentSkipReason.KeyNotAddressable => ObjectReasons.KeyNotAddressable,
        _ => "none",
    };

    /// <summary>An object that grew past max_file_size between its listing and its download.</summary>
    private sealed class ObjectGrewException(long limit, long bytesRead)
        : Exception($"larger than max_file_size ({limit} bytes) when read; indexed with metadata only")
    {
        public long BytesRead => bytesRead;
    }

    /// <summary>
    /// Counts bytes as they stream by, for the downloaded-bytes counter, without buffering; stops the download at
    /// max_file_size, so an object that grew after its listing costs no more than the limit.
    /// </summary>
    private sealed class CountingStream(Stream inner, long limit) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        private int Count(int n)
        {
            BytesRead += n;
            return BytesRead > limit ? throw new ObjectGrewException(limit, BytesRead) : n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
