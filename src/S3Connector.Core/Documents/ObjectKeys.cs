using System.Security.Cryptography;
using System.Text;

namespace S3Connector.Core.Documents;

public static class ObjectKeys
{
    /// <summary>Lower-case extension with its dot, "" when none (folder markers and dot-files have none).</summary>
    public static string Extension(string key)
    {
        var name = key.AsSpan(key.LastIndexOf('/') + 1);
        var dot = name.LastIndexOf('.');
        return dot <= 0 || dot == name.Length - 1 ? "" : name[dot..].ToString().ToLowerInvariant();
    }

    public static bool IsFolderMarker(string key) => key.EndsWith('/');

    /// <summary>CONTRACT §2: lowercase hex MD5 of the UTF-8 bytes of <c>bucket + "/" + key</c>.</summary>
    public static string DocumentId(string bucket, string key)
    {
        var bytes = Encoding.UTF8.GetBytes(bucket + "/" + key);
        return Convert.ToHexStringLower(MD5.HashData(bytes));
    }
}
