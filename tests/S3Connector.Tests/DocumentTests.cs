using S3Connector.Core.Configuration;
using S3Connector.Core.Documents;
using S3Connector.Core.Extraction;
using S3Connector.Core.S3;

namespace S3Connector.Tests;

public sealed class DocumentTests
{
    // Loaded as a user's configuration is, so the defaults are the loader's own.
    private static readonly ConnectorOptions Options = ConnectorConfiguration.Load(null, new Dictionary<string, string?>
    {
        ["S3C_BUCKETS"] = "b",
        ["S3C_REGION"] = "us-east-1",
        ["S3C_INDEX_NAME"] = "docs",
        ["S3C_ELASTICSEARCH__HOST"] = "http://h",
    });

    [Theory]
    [InlineData("ent-search-ingest-dev", "1.txt", "d0295955cdb6d488a4a1d3f10dbf141b")]
    [InlineData("ent-search-ingest-dev", "3/", "f1e7a00575c76e9cc96a6989bc4b9c25")]
    public void Ids_match_the_original_connector(string bucket, string key, string expected) =>
        Assert.Equal(expected, ObjectKeys.DocumentId(bucket, key));

    [Theory]
    [InlineData("a/b/report.PDF", ".pdf")]
    [InlineData("a/b/archive.tar.gz", ".gz")]
    [InlineData("a/b/", "")]
    [InlineData("a/.hidden", "")]
    [InlineData("noext", "")]
    [InlineData("dir.v2/file", "")]
    [InlineData("trailing.", "")]
    public void Extension_is_lower_case_with_its_dot(string key, string expected) =>
        Assert.Equal(expected, ObjectKeys.Extension(key));

    [Fact]
    public void Timestamp_is_utc_with_offset_to_the_second() =>
        Assert.Equal("2026-11-27T20:22:18+00:00",
            DocumentBuilder.FormatTimestamp(new DateTimeOffset(2026, 11, 27, 21, 22, 18, 789, TimeSpan.FromHours(1))));

    [Fact]
    public void Metadata_document_has_every_contract_field()
    {
        var doc = DocumentBuilder.MetadataDocument(
            new S3ObjectInfo("bkt", "dir/My File+%é.txt", 42, DateTimeOffset.UnixEpoch, "abc", "STANDARD", "me"), "job-1",
            DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_123));
        Assert.Equal(ObjectKeys.DocumentId("bkt", "dir/My File+%é.txt"), doc.Id);
        Assert.Equal("dir/My File+%é.txt", doc.Filename);
        Assert.Equal("s3://bkt/dir/My File+%é.txt", doc.Url);
        Assert.Equal(".txt", doc.Extension);
        Assert.Equal("1970-01-01T00:00:00+00:00", doc.Timestamp);
        Assert.Equal("job-1", doc.SyncJobId);
        Assert.Equal(1_764_000_000_123, doc.Version);
        Assert.Null(doc.Body);
    }

    [Theory]
    [InlineData("a.txt", 10_485_760, "STANDARD", ContentSkipReason.None)]
    [InlineData("a.TXT", 10_485_761, "STANDARD", ContentSkipReason.TooLarge)]
    [InlineData("a.txt", 10, "GLACIER", ContentSkipReason.Archived)]
    [InlineData("a.txt", 10, "DEEP_ARCHIVE", ContentSkipReason.Archived)]
    [InlineData("folder/", 0, "STANDARD", ContentSkipReason.Folder)]
    [InlineData("image.png", 10, "STANDARD", ContentSkipReason.UnsupportedExtension)]
    [InlineData("deck.pptx", 10, "STANDARD", ContentSkipReason.None)]
    [InlineData("legacy.DOC", 10, "STANDARD", ContentSkipReason.UnsupportedFormat)]
    [InlineData("/leading.txt", 10, "STANDARD", ContentSkipReason.KeyNotAddressable)]
    public void Content_policy_decides_from_the_listing(string key, long size, string storageClass, ContentSkipReason expected)
    {
        var obj = new S3ObjectInfo("b", key, size, DateTimeOffset.UnixEpoch, "e", storageClass, "");
        Assert.Equal(expected, ContentPolicy.Decide(obj, Options, new ContentExtractor()));
    }

    [Fact]
    public void Extraction_none_skips_all_content() =>
        Assert.Equal(ContentSkipReason.ExtractionDisabled, ContentPolicy.Decide(
            new S3ObjectInfo("b", "a.txt", 1, DateTimeOffset.UnixEpoch, "e", "STANDARD", ""),
            Options with { Extraction = ExtractionMode.None }, new ContentExtractor()));

    [Fact]
    public void Contract_lists_31_content_extensions() => Assert.Equal(31, ContentPolicy.ContentExtensions.Count);

    [Theory]
    [InlineData(null, "us-east-1")]
    [InlineData("", "us-east-1")]
    [InlineData("EU", "eu-west-1")]
    [InlineData("ap-south-1", "ap-south-1")]
    public void Bucket_locations_are_normalised(string? location, string expected) =>
        Assert.Equal(expected, S3Gateway.NormalizeLocation(location));
}
