using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using S3Connector.Core.Configuration;
using S3Connector.Core.Extraction;
using S3Connector.Core.S3;

namespace S3Connector.Core.Documents;

/// <summary>
/// Says whether an object's document would come out the same as the one indexed: a hash of the object's reading
/// (ETag, size, LastModified to the second, storage class, restored) and of every setting that shapes a document
/// (<c>extraction</c>, <c>pipeline</c>, <c>max_file_size</c>, <c>max_body_chars</c>, the extractor version). Equal
/// fingerprints mean no download and no write; a settings change makes every fingerprint differ, so it re-extracts.
/// Owner and user metadata are not in it: neither changes without a new ETag or LastModified.
/// </summary>
public sealed class DocumentFingerprint
{
    private readonly string _settings;

    public DocumentFingerprint(ConnectorOptions options)
    {
        _settings = string.Join('|',
            "v1",
            options.Extraction.ToString(),
            options.Extraction == ExtractionMode.Pipeline ? options.Pipeline : "",
            options.MaxFileSize.ToString(CultureInfo.InvariantCulture),
            options.MaxBodyChars.ToString(CultureInfo.InvariantCulture),
            ContentExtractor.Version.ToString(CultureInfo.InvariantCulture));
    }

    public string Of(S3ObjectInfo obj)
    {
        var reading = string.Join('|',
            _settings,
            obj.ETag,
            obj.Size.ToString(CultureInfo.InvariantCulture),
            obj.LastModified.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            obj.StorageClass,
            obj.Restored ? "restored" : "");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(reading)).AsSpan(0, 16));
    }
}
