namespace S3Connector.Core.Documents;

/// <summary>
/// Every reason an object is indexed without content or not indexed at all, in one place: they are the counter names
/// of the sync summary (<c>metadata only</c> and <c>skipped</c>), the log's reasons, and docs/ARCHITECTURE.md's list
/// (a test keeps that list equal to this one).
/// </summary>
public static class ObjectReasons
{
    // Indexed with metadata only.
    public const string Folder = "folder";
    public const string UnsupportedExtension = "unsupported_extension";
    public const string TooLarge = "too_large";
    public const string Archived = "archived_storage_class";
    public const string ExtractionDisabled = "extraction_disabled";
    public const string UnsupportedFormat = "unsupported_format";
    public const string KeyNotAddressable = "key_not_addressable";
    public const string Corrupt = "corrupt_file";
    public const string Encrypted = "encrypted_file";
    public const string ZipBomb = "zip_bomb";
    public const string TimedOut = "extraction_timeout";
    public const string FetchRefused = "fetch_refused";

    /// <summary>The read failed in a way a retry can fix: the range is retried; metadata only on its last delivery.</summary>
    public const string FetchFailed = "fetch_failed";

    /// <summary>/tmp was full when the object was spooled (other downloads held it).</summary>
    public const string TemporaryDirectoryFull = "tmp_full";

    // Not indexed.
    public const string ExcludedByRule = "excluded_by_rule";
    public const string RuleTimeout = "rule_timeout";
    public const string DeletedBeforeRead = "deleted_before_read";

    public static IReadOnlyList<string> MetadataOnly { get; } =
    [
        Folder, UnsupportedExtension, TooLarge, Archived, ExtractionDisabled, UnsupportedFormat, KeyNotAddressable,
        Corrupt, Encrypted, ZipBomb, TimedOut, FetchRefused, FetchFailed, TemporaryDirectoryFull,
    ];

    public static IReadOnlyList<string> Skipped { get; } = [ExcludedByRule, RuleTimeout, DeletedBeforeRead];

    /// <summary>
    /// Reasons that may pass: a document kept without content for one of them carries no fingerprint, so the next
    /// full sync reads the object again instead of keeping it metadata-only for good.
    /// </summary>
    public static bool MayPass(string reason) => reason is TimedOut or FetchFailed or FetchRefused or TemporaryDirectoryFull;
}
