using System.Buffers;
using S3Connector.Core.Budgets;

namespace S3Connector.Core.Extraction;

/// <summary>
/// A seekable local copy of an object's content for the readers (zip and PDF need random access). Small objects
/// go to a pooled buffer; larger ones to a temporary file that deletes itself, so a batch of 10 MB files costs
/// disk, not heap. A file takes its listed size from the process's disk budget for as long as it exists, so
/// concurrent downloads wait for room in /tmp rather than fill it.
/// </summary>
public sealed class ContentSpool : IAsyncDisposable
{
    /// <summary>Below this, the disk round trip costs more than the memory it saves.</summary>
    public const int InMemoryLimit = 1024 * 1024;

    private readonly byte[]? _rented;
    private readonly BudgetHold? _disk;

    private ContentSpool(Stream content, byte[]? rented, BudgetHold? disk = null)
    {
        Content = content;
        _rented = rented;
        _disk = disk;
    }

    public Stream Content { get; }

    /// <param name="expectedSize">The listed size; the copy still follows the real stream, whatever its length.</param>
    /// <param name="disk">Room in the temporary directory, taken before a file is written.</param>
    public static async Task<ContentSpool> FillAsync(Stream source, long expectedSize, ByteBudget disk, CancellationToken ct)
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
                return await ToFileAsync(rented.AsMemory(0, length), source, await disk.AcquireAsync(expectedSize + length, ct), ct);
            }
            finally
            {
                if (!handedOver)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
        }

        return await ToFileAsync(ReadOnlyMemory<byte>.Empty, source, await disk.AcquireAsync(expectedSize, ct), ct);
    }

    private static async Task<ContentSpool> ToFileAsync(ReadOnlyMemory<byte> head, Stream rest, BudgetHold hold, CancellationToken ct)
    {
        FileStream? file = null;
        try
        {
            file = CreateTempFile();
            await file.WriteAsync(head, ct);
            await rest.CopyToAsync(file, 81920, ct);
            file.Position = 0;
            return new ContentSpool(file, null, hold);
        }
        catch
        {
            if (file is not null)
            {
                await file.DisposeAsync();
            }

            hold.Dispose();
            throw;
        }
    }

    /// <summary>ENOSPC: the temporary directory is full (errno 28 on Linux, which .NET keeps as the HResult).</summary>
    public static bool IsDiskFull(Exception e) =>
        e is IOException { HResult: 28 or unchecked((int)0x80070070) } || e is IOException && e.Message.Contains("No space left on device", StringComparison.Ordinal);

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
        _disk?.Dispose();
        if (_rented is not null)
        {
            ArrayPool<byte>.Shared.Return(_rented);
        }
    }
}
