using System.Buffers;

namespace S3Connector.Core.Extraction;

/// <summary>
/// A seekable local copy of an object's content for the readers (zip and PDF need random access). Small objects
/// go to a pooled buffer; larger ones to a temporary file that deletes itself, so a batch of 10 MB files costs
/// disk, not heap (Lambda's /tmp is 512 MB by default; <c>concurrent_downloads</c> × <c>max_file_size</c> fits).
/// </summary>
public sealed class ContentSpool : IAsyncDisposable
{
    /// <summary>Below this, the disk round trip costs more than the memory it saves.</summary>
    public const int InMemoryLimit = 1024 * 1024;

    private readonly byte[]? _rented;

    private ContentSpool(Stream content, byte[]? rented)
    {
        Content = content;
        _rented = rented;
    }

    public Stream Content { get; }

    /// <param name="expectedSize">The listed size; the copy still follows the real stream, whatever its length.</param>
    public static async Task<ContentSpool> FillAsync(Stream source, long expectedSize, CancellationToken ct)
    {
        if (expectedSize < InMemoryLimit)
        {
            var rented = ArrayPool<byte>.Shared.Rent(InMemoryLimit);
            var handedOver = false;
            try
            {
                var length = await source.ReadAtLeastAsync(rented.AsMemory(0, InMemoryLimit), InMemoryLimit, throwOnEndOfStream: false, ct);
                if (length < InMemoryLimit)
                {
                    handedOver = true;
                    return new ContentSpool(new MemoryStream(rented, 0, length, writable: false), rented);
                }

                // The object grew since it was listed: a file holding what was read plus the rest.
                return await ToFileAsync(rented.AsMemory(0, length), source, ct);
            }
            finally
            {
                if (!handedOver)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
        }

        return await ToFileAsync(ReadOnlyMemory<byte>.Empty, source, ct);
    }

    private static async Task<ContentSpool> ToFileAsync(ReadOnlyMemory<byte> head, Stream rest, CancellationToken ct)
    {
        var file = CreateTempFile();
        try
        {
            await file.WriteAsync(head, ct);
            await rest.CopyToAsync(file, 81920, ct);
            file.Position = 0;
            return new ContentSpool(file, null);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    private static FileStream CreateTempFile() => new(
        Path.Combine(Path.GetTempPath(), $"s3c-{Guid.NewGuid():N}.tmp"),
        FileMode.CreateNew,
        FileAccess.ReadWrite,
        FileShare.None,
        bufferSize: 81920,
        FileOptions.DeleteOnClose | FileOptions.Asynchronous);

    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync();
        if (_rented is not null)
        {
            ArrayPool<byte>.Shared.Return(_rented);
        }
    }
}
