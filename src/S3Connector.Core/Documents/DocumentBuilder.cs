using System.Globalization;
using Microsoft.Extensions.Logging;
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
    ConnectorOptions options, S3Gateway s3, ITextExtractor extractor, ILogger<DocumentBuilder> logger)
{
    private readonly DocumentFingerprint _fingerprint = new(options);

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
            built = new BuiltDocument(document, ObjectFate.MetadataOnly, ExtractionFailures.TimedOut, downloaded);
        }

        // A document that lacks its content for a reason that may pass carries no fingerprint, so the next full sync
        // tries the object again instead of keeping it metadata-only for good.
        return built.Reason is not null && MayPass.Contains(built.Reason) && built.Document is { } partial
            ? built with { Document = partial with { Fingerprint = null } }
            : built;
    }

    private static readonly HashSet<string> MayPass = new(StringComparer.Ordinal)
    {
        ExtractionFailures.TimedOut, "fetch_failed", "fetch_refused",
    };

    private async Task<BuiltDocument> FetchAndExtractAsync(
        S3ObjectInfo obj, string? region, S3Document document, Action<long> reportBytes, CancellationToken ct)
    {
        FetchedObject fetched;
        try
        {
            fetched = await s3.GetAsync(obj.Bucket, region, obj.Key, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            if (S3Errors.IsNotFound(e))
            {
                return new BuiltDocument(null, ObjectFate.Gone, "deleted_before_read", 0);
            }

            var reason = S3Errors.Describe(e);
            Log.ContentFailed(logger, obj.Bucket, obj.Key, reason);
            if (S3Errors.IsArchived(e))
            {
                // INTELLIGENT_TIERING archive tiers are invisible in the listing; S3 tells us only now.
                return new BuiltDocument(document, ObjectFate.MetadataOnly, ReasonName(ContentSkipReason.Archived), 0);
            }

            return S3Errors.IsRetryable(e)
                ? new BuiltDocument(document, ObjectFate.Retryable, "fetch_failed", 0)
                : new BuiltDocument(document, ObjectFate.MetadataOnly, "fetch_refused", 0);
        }

        await using (fetched)
        {
            document = document with
            {
                ContentType = fetched.ContentType,
                Metadata = fetched.Metadata.Count > 0 ? fetched.Metadata : null,
            };
            var counting = new CountingStream(fetched.Content);
            if (options.Extraction == ExtractionMode.Pipeline)
            {
                // The base64 string is the document itself, so the raw bytes are needed in memory once anyway.
                using var buffer = new MemoryStream();
                await counting.CopyToAsync(buffer, ct);
                return new BuiltDocument(
                    document with
                    {
                        Attachment = Convert.ToBase64String(buffer.GetBuffer(), 0, (int)buffer.Length),
                        ExtractBinaryContent = true,
                        ReduceWhitespace = true,
                        RunMlInference = false,
                    },
                    ObjectFate.Content, null, counting.BytesRead);
            }

            ContentSpool spool;
            try
            {
                spool = await ContentSpool.FillAsync(counting, obj.Size, ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && (e is IOException or HttpRequestException))
            {
                // The connection broke mid-body: a retry can read it whole.
                Log.ContentFailed(logger, obj.Bucket, obj.Key, e.Message);
                return new BuiltDocument(document, ObjectFate.Retryable, "fetch_failed", counting.BytesRead);
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
                var reason = result.FailureReason ?? ExtractionFailures.Corrupt;
                Log.ContentFailed(logger, obj.Bucket, obj.Key, $"{reason}: {result.Detail}");
                return new BuiltDocument(document, ObjectFate.MetadataOnly, reason, counting.BytesRead);
            }

            return new BuiltDocument(document with { Body = result.Text }, ObjectFate.Content, null, counting.BytesRead);
        }
    }

    public static string ReasonName(ContentSkipReason reason) => reason switch
    {
        ContentSkipReason.Folder => "folder",
        ContentSkipReason.UnsupportedExtension => "unsupported_extension",
        ContentSkipReason.TooLarge => "too_large",
        ContentSkipReason.Archived => "archived_storage_class",
        ContentSkipReason.ExtractionDisabled => "extraction_disabled",
        ContentSkipReason.UnsupportedFormat => ExtractionFailures.UnsupportedFormat,
        ContentSkipReason.KeyNotAddressable => "key_not_addressable",
        _ => "none",
    };

    /// <summary>Counts bytes as they stream by, for the downloaded-bytes counter, without buffering.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            BytesRead += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            BytesRead += n;
            return n;
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
