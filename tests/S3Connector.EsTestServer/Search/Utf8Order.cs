using System.Text;

namespace S3Connector.EsTestServer.Search;

/// <summary>
/// Lucene orders keyword terms by their UTF-8 bytes (BytesRef, unsigned), in sorts and in range queries alike. UTF-16
/// ordinal order differs for U+E000–U+FFFF against characters beyond U+FFFF, so string comparisons of keyword values
/// go through here.
/// </summary>
internal sealed class Utf8Order : IComparer<string>
{
    public static readonly Utf8Order Instance = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return (x is null ? 0 : 1) - (y is null ? 0 : 1);
        }

        return Math.Sign(Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y)));
    }
}
