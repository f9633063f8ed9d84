using System.IO.Compression;

namespace S3Connector.Core.Extraction;

/// <summary>The file is a decompression bomb: too many entries, or far more data inside than a document holds.</summary>
internal sealed class ZipBombException(string message) : Exception(message);

/// <summary>The file is password-protected or encrypted; its text cannot be read without the key.</summary>
internal sealed class EncryptedContentException(string message) : Exception(message);

/// <summary>
/// Checks a zip container (docx, xlsx, pptx, odt, ...) before any part is opened, from the central directory alone:
/// a bomb is refused without inflating a byte. Declared sizes can lie, so the readers also stream parts (never a
/// whole part in memory) and the per-object time limit ends whatever inflation a liar causes.
/// </summary>
internal static class ZipGuard
{
    /// <summary>Real documents have tens to a few thousand parts.</summary>
    public const int MaxEntries = 10_000;

    /// <summary>Total inflated size; a 10 MB document that unpacks to more than this is not a document.</summary>
    public const long MaxUncompressedBytes = 256L * 1024 * 1024;

    /// <summary>Deflate tops out near 1000:1 on degenerate input; text-heavy XML compresses 10-30:1.</summary>
    public const long MaxRatio = 200;

    public static void Check(Stream content)
    {
        var start = content.Position;
        using (var zip = new ZipArchive(content, ZipArchiveMode.Read, leaveOpen: true))
        {
            if (zip.Entries.Count > MaxEntries)
            {
                throw new ZipBombException($"the archive has {zip.Entries.Count} entries (limit {MaxEntries})");
            }

            long total = 0;
            foreach (var entry in zip.Entries)
            {
                total += entry.Length;
                if (total > MaxUncompressedBytes)
                {
                    throw new ZipBombException($"the archive inflates to more than {MaxUncompressedBytes} bytes");
                }

                if (entry.Length > 1024 * 1024 && entry.Length > MaxRatio * Math.Max(1, entry.CompressedLength))
                {
                    throw new ZipBombException(
                        $"entry '{entry.FullName}' inflates {entry.CompressedLength} bytes to {entry.Length} (ratio limit {MaxRatio})");
                }
            }
        }

        content.Position = start;
    }

    /// <summary>Office files saved with a password are OLE compound files wrapping an encrypted package, not zips.</summary>
    public static void RejectOleContainer(Stream content)
    {
        Span<byte> head = stackalloc byte[8];
        var start = content.Position;
        var n = content.ReadAtLeast(head, 8, throwOnEndOfStream: false);
        content.Position = start;
        if (n == 8 && head.SequenceEqual((ReadOnlySpan<byte>)[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]))
        {
            throw new EncryptedContentException("an OLE compound file where a zip package belongs: the document is password-protected");
        }
    }
}

/// <summary>Reads at most a fixed number of bytes and then fails, whatever the zip header claimed.</summary>
internal sealed class LimitedReadStream(Stream inner, long limit) : Stream
{
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        _read += n;
        if (_read > limit)
        {
            throw new ZipBombException($"a part inflates to more than {limit} bytes");
        }

        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
