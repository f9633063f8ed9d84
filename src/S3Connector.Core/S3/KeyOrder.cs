using System.Text;

namespace S3Connector.Core.S3;

/// <summary>
/// The order S3 lists keys in, and Elasticsearch sorts and ranges keyword values in: their UTF-8 bytes, unsigned.
/// <see cref="string.CompareOrdinal(string, string)"/> compares UTF-16 code units instead, which disagrees for
/// characters U+E000–U+FFFF against those beyond U+FFFF (emoji), so every key comparison goes through here.
/// </summary>
public sealed class KeyOrder : IComparer<string>
{
    public static readonly KeyOrder Instance = new();

    public static int Compare(string? a, string? b)
    {
        if (ReferenceEquals(a, b))
        {
            return 0;
        }

        if (a is null)
        {
            return -1;
        }

        if (b is null)
        {
            return 1;
        }

        // UTF-16 and UTF-8 agree on order except where a surrogate meets a code unit at or above U+E000; comparing
        // code points (Rune by Rune) is exactly UTF-8 byte order without encoding either string.
        var x = a.AsSpan();
        var y = b.AsSpan();
        while (!x.IsEmpty && !y.IsEmpty)
        {
            Rune.DecodeFromUtf16(x, out var rx, out var nx);
            Rune.DecodeFromUtf16(y, out var ry, out var ny);
            if (rx != ry)
            {
                return rx.Value.CompareTo(ry.Value);
            }

            x = x[nx..];
            y = y[ny..];
        }

        return x.Length.CompareTo(y.Length) switch
        {
            < 0 => -1,
            > 0 => 1,
            _ => 0,
        };
    }

    int IComparer<string>.Compare(string? x, string? y) => Compare(x, y);
}
