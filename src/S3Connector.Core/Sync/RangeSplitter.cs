using System.Buffers;
using System.Numerics;
using System.Text;

namespace S3Connector.Core.Sync;

/// <summary>
/// Divides a range after its first listing, so a long range — one flat prefix of millions of keys, or deep folders —
/// is listed by many workers at once (Dataflow's dynamic work rebalancing: a running unit hands off the rest of its
/// range). Two cuts:
/// <list type="bullet">
/// <item>the listed keys are cut so each piece holds at most <c>page_size</c> objects to download, so one message is
/// a bounded amount of download and extraction work while LIST requests still return 1,000 keys;</item>
/// <item>the unlisted rest (when the listing was truncated) is cut at points extrapolated from the listed keys, into
/// up to <c>listing_parallelism</c> - 1 pieces as wide as the listed page and one piece for everything after them.
/// The listing's own keys give the alphabet and the density; where the density changes, a piece that turns out long
/// is truncated in its turn and divides again, and a piece that turns out empty costs one LIST. So every round of
/// listing keeps up to <c>listing_parallelism</c> workers busy, whatever the layout.</item>
/// </list>
/// Only speed depends on the points: any points partition the range, so no key can be skipped or listed twice.
/// </summary>
public static class RangeSplitter
{
    /// <summary>Key bytes after the prefix that the extrapolation looks at; later bytes do not move the points.</summary>
    private const int MaxDigits = 48;

    /// <param name="range">The unit's range.</param>
    /// <param name="keys">The keys its first listing returned, in S3 order, all in <paramref name="range"/>.</param>
    /// <param name="downloads">Per key, whether its object will be downloaded.</param>
    /// <param name="truncated">True when the range holds keys after the last listed one.</param>
    public static RangePlan Plan(
        KeyRange range, IReadOnlyList<string> keys, IReadOnlyList<bool> downloads, bool truncated, int downloadBudget, int parallelism)
    {
        if (keys.Count == 0)
        {
            return RangePlan.Keep(range);
        }

        var pieces = new List<KeyRange>();
        var expected = new List<int?>();
        string? lower = range.After;
        var inPiece = 0;
        var downloadsInPiece = 0;
        for (var i = 0; i < keys.Count; i++)
        {
            inPiece++;
            downloadsInPiece += downloads[i] ? 1 : 0;
            if (downloadsInPiece >= downloadBudget && i < keys.Count - 1)
            {
                pieces.Add(range with { After = lower, Until = keys[i] });
                expected.Add(inPiece);
                lower = keys[i];
                inPiece = 0;
                downloadsInPiece = 0;
            }
        }

        var last = keys[^1];
        pieces.Add(range with { After = lower, Until = truncated ? last : range.Until });
        expected.Add(inPiece);
        if (truncated)
        {
            var from = last;
            foreach (var point in SplitPoints(range.Prefix, keys, range.Until, parallelism - 1))
            {
                pieces.Add(range with { After = from, Until = point });
                expected.Add(null);
                from = point;
            }

            pieces.Add(range with { After = from, Until = range.Until });
            expected.Add(null);
        }

        return new RangePlan(pieces[0], pieces[1..], expected[1..]);
    }

    /// <summary>
    /// Up to <paramref name="count"/> increasing keys after the last of <paramref name="keys"/>, each before
    /// <paramref name="until"/>: the listed page's span extrapolated at 1, 2, 3, ... times its width. Keys are read
    /// as numbers whose digit at each position is drawn from the bytes the page uses at that position (widened to
    /// their class), so decimal, hex, dated or word layouts advance through their own alphabets — "2026/01/01/23…"
    /// carries into "2026/01/02/" — instead of through bytes no key contains.
    /// </summary>
    public static IReadOnlyList<string> SplitPoints(string prefix, IReadOnlyList<string> keys, string? until, int count)
    {
        if (count < 1 || keys.Count < 2)
        {
            return [];
        }

        var suffixes = keys.Select(k => Suffix(prefix, k)).ToList();
        var digits = suffixes.Max(s => s.Length);
        var hexLetters = HexLetters(suffixes, digits);
        var alphabets = Enumerable.Range(0, digits).Select(i => Alphabet(suffixes, i, hexLetters)).ToArray();
        var first = ToNumber(suffixes[0], alphabets);
        var last = ToNumber(suffixes[^1], alphabets);
        var width = last - first;
        var limit = alphabets.Aggregate(BigInteger.One, (product, alphabet) => product * (alphabet.Length + 1));
        var points = new List<string>();
        var previous = keys[^1];
        for (var i = 1; i <= count && width > 0; i++)
        {
            var value = last + i * width;
            if (value >= limit)
            {
                break;
            }

            var point = prefix + ToKey(value, alphabets);
            if (until is not null && S3.KeyOrder.Compare(point, until) >= 0)
            {
                break;
            }

            if (S3.KeyOrder.Compare(point, previous) > 0)
            {
                points.Add(point);
                previous = point;
            }
        }

        return points;
    }

    /// <summary>
    /// The bytes the listed keys use at one position, each widened to its class (digits, lower- and upper-case
    /// letters, UTF-8 lead and continuation bytes): a page of keys starting with "b" and "c" must extrapolate to "d".
    /// In a hex layout (hashes, UUIDs) a digit position is widened to the 16 hex digits, so a page whose keys all
    /// start with "0" still extrapolates through "a"–"f", and not through the "g"–"z" no key holds.
    /// </summary>
    private static byte[] Alphabet(List<byte[]> suffixes, int position, (byte Low, byte High)? hexLetters)
    {
        var used = new SortedSet<byte>(suffixes.Where(s => s.Length > position).Select(s => s[position]));
        var classes = ByteClasses;
        if (hexLetters is var (low, high) && used.Any(b => b is >= (byte)'0' and <= (byte)'9' || b >= low && b <= high))
        {
            Widen(used, (byte)'0', (byte)'9');
            Widen(used, low, high);
            classes = Utf8Classes;
        }

        foreach (var (classLow, classHigh) in classes)
        {
            if (used.GetViewBetween(classLow, classHigh).Count > 0)
            {
                Widen(used, classLow, classHigh);
            }
        }

        return [.. used];
    }

    private static void Widen(SortedSet<byte> used, byte low, byte high)
    {
        for (var b = low; b <= high; b++)
        {
            used.Add((byte)b);
        }
    }

    /// <summary>a–f (or A–F) when, wherever a digit occurs, the only letters that occur with it are those: a hex layout.</summary>
    private static (byte Low, byte High)? HexLetters(List<byte[]> suffixes, int digits)
    {
        var letters = new HashSet<byte>();
        for (var position = 0; position < digits; position++)
        {
            var used = suffixes.Where(s => s.Length > position).Select(s => s[position]).ToHashSet();
            if (used.Any(b => b is >= (byte)'0' and <= (byte)'9'))
            {
                letters.UnionWith(used.Where(b => b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z'));
            }
        }

        return letters.Count == 0 ? null
            : letters.All(b => b is >= (byte)'a' and <= (byte)'f') ? ((byte)'a', (byte)'f')
            : letters.All(b => b is >= (byte)'A' and <= (byte)'F') ? ((byte)'A', (byte)'F')
            : null;
    }

    private static readonly (byte Low, byte High)[] Utf8Classes = [(0x80, 0xBF), (0xC2, 0xDF), (0xE0, 0xEF), (0xF0, 0xF4)];

    private static readonly (byte Low, byte High)[] ByteClasses = [((byte)'0', (byte)'9'), ((byte)'A', (byte)'Z'), ((byte)'a', (byte)'z'), .. Utf8Classes];

    private static byte[] Suffix(string prefix, string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key[prefix.Length..]);
        return bytes.Length > MaxDigits ? bytes[..MaxDigits] : bytes;
    }

    private static BigInteger ToNumber(byte[] suffix, byte[][] alphabets)
    {
        var value = BigInteger.Zero;
        for (var i = 0; i < alphabets.Length; i++)
        {
            // Digit 0 is "the key ends here", so a key sorts before its own extensions, as in S3.
            value = value * (alphabets[i].Length + 1) + (i < suffix.Length ? Array.BinarySearch(alphabets[i], suffix[i]) + 1 : 0);
        }

        return value;
    }

    /// <summary>The key a number stands for, cut back to valid UTF-8 (only its order matters, not its exact value).</summary>
    private static string ToKey(BigInteger value, byte[][] alphabets)
    {
        var places = new int[alphabets.Length];
        for (var i = alphabets.Length - 1; i >= 0; i--)
        {
            var radix = alphabets[i].Length + 1;
            places[i] = (int)(value % radix);
            value /= radix;
        }

        // "Ends here" followed by more digits is no key: it becomes the position's smallest byte (rounding up), so a
        // carry into "2026/01/02" yields "2026/01/02/0…" and the points after it keep advancing.
        var end = Array.FindLastIndex(places, p => p != 0) + 1;
        var bytes = new ArrayBufferWriter<byte>(end);
        for (var i = 0; i < end; i++)
        {
            bytes.Write([alphabets[i][Math.Max(places[i], 1) - 1]]);
        }

        var span = bytes.WrittenSpan;
        var valid = 0;
        while (valid < span.Length && Rune.DecodeFromUtf8(span[valid..], out _, out var consumed) == OperationStatus.Done)
        {
            valid += consumed;
        }

        return Encoding.UTF8.GetString(span[..valid]);
    }
}
