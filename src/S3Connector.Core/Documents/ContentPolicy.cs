using S3Connector.Core.Configuration;
using S3Connector.Core.S3;

namespace S3Connector.Core.Documents;

/// <summary>Why an object's content is not fetched; the object is still indexed with its metadata.</summary>
public enum ContentSkipReason
{
    None,
    Folder,
    UnsupportedExtension,
    TooLarge,
    Archived,
    ExtractionDisabled,
    UnsupportedFormat,

    /// <summary>The key starts with "/", which the AWS SDK drops on GetObject: the object cannot be fetched by key.</summary>
    KeyNotAddressable,
}

/// <summary>CONTRACT §2 "which objects get content", decided from the listing alone so nothing is downloaded in vain.</summary>
public static class ContentPolicy
{
    public static readonly IReadOnlySet<string> ContentExtensions = new HashSet<string>(StringComparer.Ordinal)
    {
        ".txt", ".py", ".rst", ".html", ".markdown", ".json", ".xml", ".csv", ".md", ".ppt", ".rtf", ".docx", ".odt",
        ".xls", ".xlsx", ".rb", ".paper", ".sh", ".pptx", ".pdf", ".doc", ".aspx", ".xlsb", ".xlsm", ".tsv", ".svg",
        ".msg", ".potx", ".vsd", ".vsdx", ".vsdm",
    };

    private static readonly HashSet<string> ArchivedClasses = new(StringComparer.Ordinal) { "GLACIER", "DEEP_ARCHIVE" };

    public static ContentSkipReason Decide(S3ObjectInfo obj, ConnectorOptions options, Extraction.ITextExtractor extractor)
    {
        if (options.Extraction == ExtractionMode.None)
        {
            return ContentSkipReason.ExtractionDisabled;
        }

        if (ObjectKeys.IsFolderMarker(obj.Key))
        {
            return ContentSkipReason.Folder;
        }

        var extension = ObjectKeys.Extension(obj.Key);
        if (!ContentExtensions.Contains(extension))
        {
            return ContentSkipReason.UnsupportedExtension;
        }

        if (obj.Key.StartsWith('/'))
        {
            return ContentSkipReason.KeyNotAddressable;
        }

        if (obj.Size > options.MaxFileSize)
        {
            return ContentSkipReason.TooLarge;
        }

        if (ArchivedClasses.Contains(obj.StorageClass) && !obj.Restored)
        {
            return ContentSkipReason.Archived;
        }

        if (options.Extraction == ExtractionMode.Local && !extractor.CanExtract(extension))
        {
            return ContentSkipReason.UnsupportedFormat;
        }

        return ContentSkipReason.None;
    }
}
