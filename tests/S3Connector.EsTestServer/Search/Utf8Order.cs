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

        // Sorting and ranging scan every document of an index: encode on the stack for the usual key lengths.
        var xb = x.Length <= 512 ? stackalloc byte[x.Length * 3] : new byte[Encoding.UTF8.GetMaxByteCount(x.Length)];
        var yb = y.Length <= 512 ? stackalloc byte[y.Length * 3] : new byte[Encoding.UTF8.GetMaxByteCount(y.Length)];
        var xn = Encoding.UTF8.GetBytes(x, xb);
        var yn = Encoding.UTF8.GetBytes(y, yb);
        return Math.Sign(xb[..xn].SequenceCompareTo(yb[..yn]));
    }
}
