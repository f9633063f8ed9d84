using System.Globalization;
using System.Text;
using S3Connector.Core.S3;
using S3Connector.Core.Sync;

namespace S3Connector.Tests;

public sealed class RangeSplitterTests
{
    private static List<string> Sorted(IEnumerable<string> keys) => [.. keys.Order(KeyOrder.Instance)];

    private static IEnumerable<KeyRange> Pieces(RangePlan plan) => [plan.Own, .. plan.Successors];

    /// <summary>The plan's pieces follow each other with no gap and no overlap, from the range's start to its end.</summary>
    private static void AssertPartition(KeyRange range, RangePlan plan)
    {
        var pieces = Pieces(plan).ToList();
        Assert.Equal(range.After, pieces[0].After);
        Assert.Equal(range.Until, pieces[^1].Until);
        for (var i = 1; i < pieces.Count; i++)
        {
            Assert.Equal(pieces[i - 1].Until, pieces[i].After);
            Assert.True(KeyOrder.Compare(pieces[i].After, pieces[i - 1].After) > 0 || pieces[i - 1].After is null);
        }

        Assert.All(pieces, p => Assert.Equal(range.Prefix, p.Prefix));
        Assert.Equal(plan.Successors.Count, plan.ExpectedKeys.Count);
    }

    /// <summary>Lists <paramref name="all"/> as S3 would for <paramref name="range"/>: its first 1,000 keys.</summary>
    private static (List<string> Page, bool Truncated) FirstPage(IReadOnlyList<string> all, KeyRange range)
    {
        var inRange = all.Where(range.Contains).ToList();
        return (inRange.Take(1000).ToList(), inRange.Count > 1000);
    }

    [Fact]
    public void Keys_compare_as_utf8_bytes_not_utf16_code_units()
    {
        // U+E000 is EE 80 80 in UTF-8 and sorts before the emoji (F0 9F 98 80); in UTF-16 the emoji's surrogate D83D is lower.
        Assert.True(KeyOrder.Compare("\uE000", "😀") < 0);
        Assert.True(string.CompareOrdinal("\uE000", "😀") > 0);
        Assert.True(KeyOrder.Compare("a", "ab") < 0);
        Assert.Equal(0, KeyOrder.Compare("é/😀", "é/😀"));
        var random = new Random(7);
        var keys = Enumerable.Range(0, 500).Select(_ => RandomKey(random)).ToList();
        var byBytes = keys.Order(Comparer<string>.Create((a, b) => Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b)))).ToList();
        Assert.Equal(byBytes, Sorted(keys));
    }

    [Fact]
    public void A_range_holds_the_keys_after_its_start_up_to_and_including_its_end()
    {
        var range = new KeyRange("p/", "p/b", "p/d");
        Assert.False(range.Contains("p/b"));
        Assert.True(range.Contains("p/b0"));
        Assert.True(range.Contains("p/d"));
        Assert.False(range.Contains("p/d0"));
        Assert.False(range.Contains("q/c"));
        Assert.True(range.IsPastEnd("p/d0"));
        Assert.True(KeyRange.Whole("p/").Contains("p/\U0010FFFF"));
    }

    [Fact]
    public void A_short_range_with_few_downloads_is_kept_whole()
    {
        var range = KeyRange.Whole("");
        var plan = RangeSplitter.Plan(range, ["a", "b", "c"], [true, false, true], truncated: false, downloadBudget: 100, parallelism: 16);

        Assert.Equal(range, plan.Own);
        Assert.Empty(plan.Successors);
    }

    [Fact]
    public void Downloads_are_handed_out_in_pieces_of_page_size_objects_at_listed_keys()
    {
        var keys = Enumerable.Range(0, 1000).Select(i => $"d/{i:D5}").ToList();
        var range = KeyRange.Whole("d/");
        var plan = RangeSplitter.Plan(range, keys, [.. keys.Select(_ => true)], truncated: false, downloadBudget: 100, parallelism: 16);

        AssertPartition(range, plan);
        Assert.Equal(new KeyRange("d/", null, "d/00099"), plan.Own);
        Assert.Equal(9, plan.Successors.Count);
        Assert.All(plan.ExpectedKeys, n => Assert.Equal(100, n));
        Assert.Null(plan.Successors[^1].Until);
        Assert.All(Pieces(plan), p => Assert.Equal(100, keys.Count(p.Contains)));
    }

    [Fact]
    public void Objects_that_are_not_downloaded_do_not_count_against_page_size()
    {
        var keys = Enumerable.Range(0, 1000).Select(i => $"{i:D4}").ToList();
        var plan = RangeSplitter.Plan(KeyRange.Whole(""), keys, [.. keys.Select((_, i) => i % 20 == 0)], truncated: false, 100, 16);

        Assert.Empty(plan.Successors);
    }

    public static TheoryData<string, string> Layouts() => new()
    {
        { "decimal", "flat/" },
        { "hex", "logs/" },
        { "words", "" },
        { "dated", "events/" },
        { "unicode", "ü/" },
        { "dense-then-sparse", "s/" },
        { "hash-then-counter", "flat/" },
    };

    private static List<string> Layout(string name, string prefix, int count)
    {
        var random = new Random(11);
        IEnumerable<string> keys = name switch
        {
            "decimal" => Enumerable.Range(0, count).Select(i => $"{prefix}{i:D7}.txt"),
            "hex" => Enumerable.Range(0, count).Select(_ => prefix + Convert.ToHexStringLower(BitConverter.GetBytes(random.NextInt64())) + ".json"),
            "words" => Enumerable.Range(0, count).Select(i => $"{(char)('a' + i % 26)}{random.Next(1_000_000)}-report-{i}.pdf"),
            "dated" => Enumerable.Range(0, count).Select(i =>
                $"{prefix}{new DateTime(2026, 1, 1).AddSeconds(i * 37).ToString("yyyy/MM/dd/HHmmss", CultureInfo.InvariantCulture)}-{i}.log"),
            "unicode" => Enumerable.Range(0, count).Select(i => $"{prefix}{(char)(0x4E00 + i % 3000)}{i}😀.txt"),
            "hash-then-counter" => Enumerable.Range(0, count).Select(i => $"{prefix}{unchecked((uint)i * 2654435761u):x8}-{i:D7}.bin"),
            _ => Enumerable.Range(0, count).Select(i => i < 1500 ? $"{prefix}a{i:D6}" : $"{prefix}{(char)('b' + i % 24)}{random.Next(100_000_000):D8}"),
        };
        return Sorted(keys.Distinct());
    }

    /// <summary>
    /// Dividing recursively, as the workers do, reaches every key exactly once, and a long flat range fans out in
    /// a few rounds (each round is one LIST latency in parallel), not one page per round.
    /// </summary>
    [Theory]
    [MemberData(nameof(Layouts))]
    public void Recursive_division_covers_every_key_once_and_fans_out_quickly(string layout, string prefix)
    {
        var all = Layout(layout, prefix, 20_000);
        var seen = new List<string>();
        var frontier = new List<KeyRange> { KeyRange.Whole(prefix) };
        var rounds = 0;
        var lists = 0;
        while (frontier.Count > 0)
        {
            rounds++;
            var next = new List<KeyRange>();
            foreach (var range in frontier)
            {
                lists++;
                var (page, truncated) = FirstPage(all, range);
                var plan = RangeSplitter.Plan(range, page, [.. page.Select(_ => false)], truncated, 100, 16);
                AssertPartition(range, plan);
                seen.AddRange(page.Where(plan.Own.Contains));
                next.AddRange(plan.Successors);
            }

            frontier = next;
        }

        Assert.Equal(all, Sorted(seen));
        // A sequential lister needs 20 rounds of 1,000 keys.
        // Measured: 3-5 rounds and 22-39 LISTs for these layouts, 6 rounds and 81 LISTs for the dated one.
        Assert.True(rounds <= 6, $"{layout}: {rounds} rounds, {lists} LISTs");
        Assert.True(lists <= 100, $"{layout}: {lists} LISTs for 20 pages of keys");
    }

    [Fact]
    public void Split_points_are_valid_increasing_keys_inside_the_range()
    {
        var random = new Random(3);
        for (var trial = 0; trial < 200; trial++)
        {
            var keys = Sorted(Enumerable.Range(0, 50).Select(_ => "p/" + RandomKey(random)).Distinct());
            var until = random.Next(2) == 0 ? null : keys[^1] + RandomKey(random);
            var points = RangeSplitter.SplitPoints("p/", keys, until, 15);
            var previous = keys[^1];
            foreach (var point in points)
            {
                Assert.StartsWith("p/", point, StringComparison.Ordinal);
                Assert.True(KeyOrder.Compare(point, previous) > 0);
                Assert.True(until is null || KeyOrder.Compare(point, until) < 0);
                Assert.Equal(point, Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(point)));
                previous = point;
            }
        }
    }

    private static string RandomKey(Random random)
    {
        var builder = new StringBuilder();
        var length = random.Next(1, 12);
        for (var i = 0; i < length; i++)
        {
            builder.Append(random.Next(5) switch
            {
                0 => ((char)random.Next('a', 'z' + 1)).ToString(),
                1 => ((char)random.Next('0', '9' + 1)).ToString(),
                2 => "\uE000",
                3 => "😀",
                _ => "/",
            });
        }

        return builder.ToString();
    }
}
