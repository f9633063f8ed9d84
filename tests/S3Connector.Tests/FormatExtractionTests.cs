using System.IO.Compression;
using System.Text;
using S3Connector.Core.Budgets;
using S3Connector.Core.Extraction;
using S3Connector.Testing;
using S3Connector.Core.Documents;

namespace S3Connector.Tests;

/// <summary>Every supported format, from real files built by <see cref="SampleDocuments"/>.</summary>
public sealed class FormatExtractionTests
{
    private const string Sentence = "The lighthouse keeper counted forty-two ships at dawn.";
    private readonly ContentExtractor _extractor = new();

    public static TheoryData<string> Extensions() => new(SampleDocuments.SupportedExtensions);

    private static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    private Task<ExtractionResult> ExtractAsync(byte[] bytes, string extension, int maxChars = 100_000) =>
        _extractor.ExtractAsync(new MemoryStream(bytes), extension, maxChars, CancellationToken.None);

    [Theory]
    [MemberData(nameof(Extensions))]
    public async Task Known_sentence_comes_out_of_every_supported_format(string extension)
    {
        Assert.True(_extractor.CanExtract(extension));

        var result = await ExtractAsync(SampleDocuments.Create(extension, Sentence), extension);

        Assert.True(result.Text is not null, $"{extension}: {result.FailureReason} {result.Detail}");
        Assert.Contains(Sentence, result.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(SampleDocuments.HiddenScript, result.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(SampleDocuments.HiddenStyle, result.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(".html")]
    [InlineData(".svg")]
    public async Task Markup_gives_visible_text_only(string extension)
    {
        var result = await ExtractAsync(SampleDocuments.Create(extension, Sentence), extension);

        Assert.DoesNotContain("<", result.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("alert", result.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("fill", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Html_entities_are_decoded_and_broken_markup_is_tolerated()
    {
        var html = "<p>Fish &amp; chips &eacute;t&eacute;<div>unclosed <b>bold<script>var x = 1;</p>"u8.ToArray();
        var result = await ExtractAsync(html, ".html");
        Assert.Contains("Fish & chips été", result.Text, StringComparison.Ordinal);
        Assert.Contains("unclosed bold", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rtf_decodes_code_page_and_unicode_escapes()
    {
        var rtf = "{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f0 Arial;}}caf\\'e9 \\u8364? 5\\par second\\tab line}"u8.ToArray();
        var result = await ExtractAsync(rtf, ".rtf");
        Assert.Equal("café € 5\nsecond line", result.Text);
    }

    [Fact]
    public async Task Xml_external_entities_are_not_resolved()
    {
        var xml = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><r>safe &e; text</r>"u8.ToArray();
        var result = await ExtractAsync(xml, ".xml");
        Assert.DoesNotContain("root:", result.Text ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Text_is_decoded_by_bom_and_falls_back_to_latin1()
    {
        Assert.Equal("日本 text", (await ExtractAsync([0xFF, 0xFE, .. Encoding.Unicode.GetBytes("日本 text")], ".txt")).Text);
        Assert.Equal("日本 text", (await ExtractAsync([0xFE, 0xFF, .. Encoding.BigEndianUnicode.GetBytes("日本 text")], ".md")).Text);
        Assert.Equal("héllo", (await ExtractAsync([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("héllo")], ".csv")).Text);
        Assert.Equal("café ok", (await ExtractAsync([0x63, 0x61, 0x66, 0xE9, 0x20, 0x6F, 0x6B], ".py")).Text);
    }

    [Fact]
    public async Task Xls_gives_cell_values_in_the_xlsx_layout_sheet_by_sheet()
    {
        var xls = (await ExtractAsync(SampleDocuments.Xls(Sentence, rows: 3), ".xls")).Text;
        var xlsx = (await ExtractAsync(SampleDocuments.Xlsx(Sentence, macroEnabled: false, rows: 3), ".xlsx")).Text;

        Assert.Equal($"Data\n{Sentence} 42.5\nrow 2 label 6.5\nrow 3 label 9.75", xlsx);
        Assert.Equal($"{xlsx}\n\nNotes\n2024-03-01\ntide table\nChecked by the harbour master", xls);
    }

    [Fact]
    public async Task Xls_written_by_libreoffice_gives_every_sheet()
    {
        var result = await ExtractAsync(Fixture("libreoffice.xls"), ".xls");

        Assert.Equal("Harbour\nSeven quiet otters guard the amber harbour. 42.5\nCafé crème – 東京 85\n\nTides\nHigh water at noon", result.Text);
    }

    [Fact]
    public async Task Password_protected_xls_is_encrypted_not_corrupt()
    {
        var locked = Fixture("libreoffice-password.xls");

        var result = await ExtractAsync(locked, ".xls");

        Assert.Equal(ObjectReasons.Encrypted, result.FailureReason);

        // The fixture must really be the workbook under a password, not some other unreadable file.
        using var reader = ExcelDataReader.ExcelReaderFactory.CreateBinaryReader(
            new MemoryStream(locked), new ExcelDataReader.ExcelReaderConfiguration { Password = "otter" });
        Assert.True(reader.Read());
        Assert.Equal("Seven quiet otters guard the amber harbour.", reader.GetString(0));
    }

    [Fact]
    public async Task Xls_stops_reading_at_the_body_cap()
    {
        var result = await ExtractAsync(SampleDocuments.Xls(Sentence, rows: 2_000), ".xls", maxChars: 1_000);
        Assert.Equal(1_000, result.Text!.Length);
        Assert.StartsWith($"Data\n{Sentence}", result.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Notes", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Xls_sheet_declaring_more_rows_than_biff_holds_is_corrupt()
    {
        var xls = SampleDocuments.Xls(Sentence);

        // DIMENSIONS (0x0200, 14 bytes): first row, then one past the last row, as 32-bit numbers.
        var at = xls.AsSpan().IndexOf((ReadOnlySpan<byte>)[0x00, 0x02, 0x0E, 0x00]);
        Assert.True(at >= 0);
        BitConverter.TryWriteBytes(xls.AsSpan(at + 8, 4), 0x1000_0000);

        var result = await ExtractAsync(xls, ".xls");
        Assert.Equal(ObjectReasons.Corrupt, result.FailureReason);
    }

    [Fact]
    public async Task Body_is_capped_at_max_chars()
    {
        var result = await ExtractAsync(SampleDocuments.Docx(Sentence, paragraphs: 2_000), ".docx", maxChars: 1_000);
        Assert.Equal(1_000, result.Text!.Length);
        Assert.StartsWith(Sentence, result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Corrupt_files_are_a_reason_not_an_exception()
    {
        Assert.Equal(ObjectReasons.Corrupt, (await ExtractAsync(SampleDocuments.CorruptPdf(), ".pdf")).FailureReason);
        Assert.Equal(ObjectReasons.Corrupt, (await ExtractAsync("not a zip at all"u8.ToArray(), ".docx")).FailureReason);
        Assert.Equal(ObjectReasons.Corrupt, (await ExtractAsync("{\\rtf1 broken"u8.ToArray(), ".odt")).FailureReason);
        Assert.Equal(ObjectReasons.Corrupt, (await ExtractAsync("plain words"u8.ToArray(), ".rtf")).FailureReason);
        Assert.Equal(ObjectReasons.Corrupt, (await ExtractAsync("<a><b></a>"u8.ToArray(), ".xml")).FailureReason);
        var truncated = SampleDocuments.Xlsx(Sentence, macroEnabled: false)[..300];
        Assert.Equal(ObjectReasons.Corrupt, (await ExtractAsync(truncated, ".xlsx")).FailureReason);
    }

    [Fact]
    public async Task Corrupt_xls_is_a_reason_not_an_exception()
    {
        var xls = SampleDocuments.Xls(Sentence, rows: 50);
        var garbage = new byte[4096];
        new Random(7).NextBytes(garbage);

        Assert.Equal(ObjectReasons.Corrupt, (await ExtractAsync(garbage, ".xls")).FailureReason);
        Assert.Equal(ObjectReasons.Corrupt, (await ExtractAsync("plain words, not a workbook"u8.ToArray(), ".xls")).FailureReason);
        Assert.Equal(ObjectReasons.Corrupt, (await ExtractAsync(xls[..600], ".xls")).FailureReason);
        Assert.Equal(ObjectReasons.Corrupt, (await ExtractAsync(SampleDocuments.Xlsx(Sentence, macroEnabled: false), ".xls")).FailureReason);
        Assert.Equal(ObjectReasons.Corrupt, (await ExtractAsync([], ".xls")).FailureReason);
    }

    [Fact]
    public async Task Encrypted_files_are_recognised()
    {
        Assert.Equal(ObjectReasons.Encrypted, (await ExtractAsync(SampleDocuments.EncryptedDocx(), ".docx")).FailureReason);
        Assert.Equal(ObjectReasons.Encrypted, (await ExtractAsync(SampleDocuments.EncryptedDocx(), ".xlsx")).FailureReason);
        Assert.Equal(ObjectReasons.Encrypted, (await ExtractAsync(SampleDocuments.Odt(Sentence, encrypted: true), ".odt")).FailureReason);
    }

    [Fact]
    public async Task Zip_bombs_are_refused_before_inflating()
    {
        var bomb = SampleDocuments.ZipBomb();
        Assert.True(bomb.Length < 1024 * 1024);
        var result = await ExtractAsync(bomb, ".docx");
        Assert.Equal(ObjectReasons.ZipBomb, result.FailureReason);
        Assert.Equal(ObjectReasons.ZipBomb, (await ExtractAsync(bomb, ".odt")).FailureReason);
    }

    [Fact]
    public async Task Too_many_zip_entries_is_a_bomb()
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            for (var i = 0; i <= ZipGuard.MaxEntries; i++)
            {
                zip.CreateEntry($"e{i}");
            }
        }

        Assert.Equal(ObjectReasons.ZipBomb, (await ExtractAsync(stream.ToArray(), ".pptx")).FailureReason);
    }

    [Fact]
    public async Task A_part_that_lies_about_its_size_is_stopped_while_streaming()
    {
        // The guard's stream fails as soon as more than the limit comes out, whatever the header said.
        using var limited = new LimitedReadStream(new MemoryStream(new byte[100]), 10);
        var buffer = new byte[64];
        Assert.Throws<ZipBombException>(() => limited.Read(buffer, 0, buffer.Length));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Cancellation_stops_extraction()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _extractor.ExtractAsync(new MemoryStream(SampleDocuments.Pdf(Sentence, pages: 5)), ".pdf", 1000, cts.Token));
    }

    [Fact]
    public void Xls_checks_cancellation_between_rows()
    {
        // Straight to the reader: ContentExtractor would refuse a cancelled token before any row is read.
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var text = new TextCollector(1000);
        Assert.Throws<OperationCanceledException>(() =>
            new XlsReader().Read(new MemoryStream(SampleDocuments.Xls(Sentence, rows: 10)), ".xls", text, cts.Token));
        Assert.StartsWith("Data", text.ToNormalized(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(".doc")]
    [InlineData(".ppt")]
    [InlineData(".xlsb")]
    [InlineData(".msg")]
    [InlineData(".vsd")]
    [InlineData(".vsdx")]
    [InlineData(".vsdm")]
    [InlineData(".paper")]
    public void Legacy_formats_have_no_reader(string extension) => Assert.False(_extractor.CanExtract(extension));
}

public sealed class ContentSpoolTests : IDisposable
{
    private readonly ByteBudget _disk = new(100L * 1024 * 1024);

    public void Dispose() => _disk.Dispose();

    [Fact]
    public async Task Small_objects_stay_in_a_pooled_buffer_and_large_ones_go_to_a_file_that_deletes_itself()
    {
        await using (var small = await ContentSpool.FillAsync(new MemoryStream(new byte[1000]), 1000, _disk, CancellationToken.None))
        {
            Assert.IsType<MemoryStream>(small.Content);
            Assert.Equal(1000, small.Content.Length);
        }

        string path;
        await using (var large = await ContentSpool.FillAsync(new MemoryStream(new byte[3_000_000]), 3_000_000, _disk, CancellationToken.None))
        {
            var file = Assert.IsType<FileStream>(large.Content);
            path = file.Name;
            Assert.Equal(3_000_000, file.Length);
            Assert.Equal(0, file.Position);
        }

        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task An_object_that_grew_since_listing_is_spooled_whole()
    {
        await using var spool = await ContentSpool.FillAsync(new MemoryStream(new byte[2_000_000]), 10, _disk, CancellationToken.None);
        Assert.Equal(2_000_000, spool.Content.Length);
    }

    [Fact]
    public async Task A_file_waits_for_room_in_the_disk_budget_and_gives_it_back_when_disposed()
    {
        using var disk = new ByteBudget(5_000_000);
        var first = await ContentSpool.FillAsync(new MemoryStream(new byte[3_000_000]), 3_000_000, disk, CancellationToken.None);

        var second = ContentSpool.FillAsync(new MemoryStream(new byte[3_000_000]), 3_000_000, disk, CancellationToken.None);
        await Task.Delay(200);
        Assert.False(second.IsCompleted);

        await first.DisposeAsync();
        await using var spooled = await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3_000_000, spooled.Content.Length);
    }

    [Fact]
    public async Task A_spool_that_fails_gives_its_disk_bytes_back()
    {
        using var disk = new ByteBudget(5_000_000);
        await Assert.ThrowsAsync<IOException>(() => ContentSpool.FillAsync(new FailingStream(), 3_000_000, disk, CancellationToken.None));

        await using var next = await ContentSpool.FillAsync(new MemoryStream(new byte[4_000_000]), 4_000_000, disk, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(4_000_000, next.Content.Length);
    }

    [Fact]
    public void Disk_full_is_told_from_other_io_errors()
    {
        // /dev/full answers every write with ENOSPC, as a full /tmp does.
        var full = Assert.ThrowsAny<IOException>(() =>
        {
            using var device = new FileStream("/dev/full", FileMode.Open, FileAccess.Write);
            device.Write(new byte[4096]);
            device.Flush();
        });
        Assert.True(ContentSpool.IsDiskFull(full), $"{full.HResult}: {full.Message}");
        Assert.True(ContentSpool.IsDiskFull(new IOException("No space left on device : '/tmp/s3c-1.tmp'", 28)));
        Assert.False(ContentSpool.IsDiskFull(new IOException("Connection reset by peer", 104)));
    }

    private sealed class FailingStream : MemoryStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            throw new IOException("the connection broke");

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            throw new IOException("the connection broke");
    }
}
