using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace S3Connector.EsTestServer.Indices.Mapping;

/// <summary>
/// A date field's <c>format</c>: alternatives separated by <c>||</c>, tried in order. Supports ES's common named
/// formats, epoch_millis/epoch_second and simple Java patterns (yyyy, MM, dd, HH, mm, ss, SSS, quoted literals,
/// zone offsets). Values are epoch milliseconds, as date doc values are in ES.
/// </summary>
internal sealed partial class DateFormat
{
    public static readonly DateFormat Default = Parse("strict_date_optional_time||epoch_millis");

    private readonly IReadOnlyList<Parser> _parsers;

    private DateFormat(string pattern, IReadOnlyList<Parser> parsers)
    {
        Pattern = pattern;
        _parsers = parsers;
    }

    public string Pattern { get; }

    /// <summary>True when numbers are accepted as epoch values (ES parses JSON numbers through the same chain).</summary>
    public bool AcceptsEpoch => _parsers.Any(p => p is EpochParser);

    /// <exception cref="FormatException">The pattern uses something this server does not implement.</exception>
    public static DateFormat Parse(string pattern) =>
        new(pattern, pattern.Split("||").Select(CreateParser).ToList());

    /// <param name="roundUp">Fill missing fields with their maximum (range upper bounds, as ES's date math does).</param>
    public bool TryParse(string text, bool roundUp, out long millis)
    {
        foreach (var parser in _parsers)
        {
            if (parser.TryParse(text, roundUp, out millis))
            {
                return true;
            }
        }

        millis = 0;
        return false;
    }

    /// <summary>Prints with the first format, as ES does for value_as_string and key_as_string.</summary>
    public string Format(long millis) => _parsers[0].Format(millis);

    private static Parser CreateParser(string name)
    {
        var trimmed = name.Trim();
        var bare = trimmed.StartsWith("strict_", StringComparison.Ordinal) ? trimmed["strict_".Length..] : trimmed;
        return bare switch
        {
            "date_optional_time" or "date_optional_time_nanos" => new IsoParser(),
            "epoch_millis" => new EpochParser(1),
            "epoch_second" => new EpochParser(1000),
            "date" or "year_month_day" => new PatternParser("yyyy-MM-dd"),
            "date_time" => new PatternParser("yyyy-MM-dd'T'HH:mm:ss.SSSXXX"),
            "date_time_no_millis" => new PatternParser("yyyy-MM-dd'T'HH:mm:ssXXX"),
            "date_hour_minute_second" => new PatternParser("yyyy-MM-dd'T'HH:mm:ss"),
            "date_hour_minute_second_millis" or "date_hour_minute_second_fraction" => new PatternParser("yyyy-MM-dd'T'HH:mm:ss.SSS"),
            "date_hour_minute" => new PatternParser("yyyy-MM-dd'T'HH:mm"),
            "date_hour" => new PatternParser("yyyy-MM-dd'T'HH"),
            "year_month" => new PatternParser("yyyy-MM"),
            "year" => new PatternParser("yyyy"),
            "basic_date" => new PatternParser("yyyyMMdd"),
            "basic_date_time" => new PatternParser("yyyyMMdd'T'HHmmss.SSSXXX"),
            "basic_date_time_no_millis" => new PatternParser("yyyyMMdd'T'HHmmssXXX"),
            _ when trimmed.Contains('_', StringComparison.Ordinal) => throw new FormatException($"date format [{trimmed}]"),
            _ => new PatternParser(trimmed),
        };
    }

    private static long ToMillis(int year, int month, int day, int hour, int minute, int second, int millis, TimeSpan offset)
    {
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return long.MinValue;
        }

        return new DateTimeOffset(year, month, day, hour, minute, second, millis, offset).ToUnixTimeMilliseconds();
    }

    private static string FormatIso(long millis) =>
        DateTimeOffset.FromUnixTimeMilliseconds(millis).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static TimeSpan ParseOffset(string text)
    {
        if (text is "Z" or "z")
        {
            return TimeSpan.Zero;
        }

        var sign = text[0] == '-' ? -1 : 1;
        var digits = text[1..].Replace(":", string.Empty, StringComparison.Ordinal);
        var hours = int.Parse(digits[..2], CultureInfo.InvariantCulture);
        var minutes = digits.Length >= 4 ? int.Parse(digits[2..4], CultureInfo.InvariantCulture) : 0;
        return sign * new TimeSpan(hours, minutes, 0);
    }

    private abstract class Parser
    {
        /// <summary>A missing part takes its lowest value, or its highest when rounding up (date math "||/d" and lte).</summary>
        protected static int Part(Match m, string group, int min, int max, bool roundUp) =>
            m.Groups[group].Success ? int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture) : roundUp ? max : min;

        /// <summary>Epoch millis from the named groups both parsers capture (mo, d, h, mi, s, f, z); MinValue when invalid.</summary>
        protected static long FromGroups(Match m, int year, bool roundUp)
        {
            var month = Part(m, "mo", 1, 12, roundUp);
            var day = m.Groups["d"].Success ? int.Parse(m.Groups["d"].Value, CultureInfo.InvariantCulture)
                : roundUp ? DateTime.DaysInMonth(year, Math.Clamp(month, 1, 12)) : 1;
            var fraction = m.Groups["f"].Success
                ? int.Parse(m.Groups["f"].Value.PadRight(3, '0')[..3], CultureInfo.InvariantCulture)
                : roundUp ? 999 : 0;
            var offset = m.Groups["z"].Success ? ParseOffset(m.Groups["z"].Value) : TimeSpan.Zero;
            return ToMillis(year, month, day, Part(m, "h", 0, 23, roundUp), Part(m, "mi", 0, 59, roundUp),
                Part(m, "s", 0, 59, roundUp), fraction, offset);
        }

        public abstract bool TryParse(string text, bool roundUp, out long millis);

        public abstract string Format(long millis);
    }

    private sealed class EpochParser(long unitMillis) : Parser
    {
        public override bool TryParse(string text, bool roundUp, out long millis)
        {
            millis = 0;
            if (!decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            millis = (long)decimal.Truncate(value * unitMillis);
            return true;
        }

        public override string Format(long millis) =>
            (unitMillis == 1 ? millis : millis / unitMillis).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>strict_date_optional_time: a date with optional time, fraction and zone.</summary>
    private sealed partial class IsoParser : Parser
    {
        public override bool TryParse(string text, bool roundUp, out long millis)
        {
            millis = 0;
            var m = IsoPattern().Match(text);
            if (!m.Success)
            {
                return false;
            }

            var year = int.Parse(m.Groups["y"].Value, CultureInfo.InvariantCulture);
            millis = FromGroups(m, year, roundUp);
            return millis != long.MinValue;
        }

        public override string Format(long millis) => FormatIso(millis);

        [GeneratedRegex(@"^(?<y>\d{4})(?:-(?<mo>\d{2})(?:-(?<d>\d{2})(?:T(?<h>\d{2})(?::(?<mi>\d{2})(?::(?<s>\d{2})(?:[.,](?<f>\d{1,9}))?)?)?(?<z>Z|[+-]\d{2}(?::?\d{2})?)?)?)?)?$", RegexOptions.CultureInvariant)]
        private static partial Regex IsoPattern();
    }

    /// <summary>A Java DateTimeFormatter pattern, restricted to fixed-width numeric fields and literals.</summary>
    private sealed class PatternParser : Parser
    {
        private readonly Regex _regex;
        private readonly string _dotnetFormat;

        public PatternParser(string pattern)
        {
            var regex = new StringBuilder("^");
            var format = new StringBuilder();
            for (var i = 0; i < pattern.Length;)
            {
                var c = pattern[i];
                var run = 1;
                while (i + run < pattern.Length && pattern[i + run] == c)
                {
                    run++;
                }

                switch (c)
                {
                    case 'y' or 'u' when run is 4 or 2:
                        Field(regex, format, "y", run, new string('y', run));
                        break;
                    case 'M' when run is 2: Field(regex, format, "mo", 2, "MM"); break;
                    case 'd' when run is 2: Field(regex, format, "d", 2, "dd"); break;
                    case 'H' when run is 2: Field(regex, format, "h", 2, "HH"); break;
                    case 'm' when run is 2: Field(regex, format, "mi", 2, "mm"); break;
                    case 's' when run is 2: Field(regex, format, "s", 2, "ss"); break;
                    case 'S' when run <= 9: Field(regex, format, "f", run, new string('f', Math.Min(run, 7))); break;
                    case 'X' or 'Z' or 'x':
                        regex.Append(@"(?<z>Z|[+-]\d{2}(?::?\d{2})?)");
                        format.Append("'Z'");
                        break;
                    case '\'':
                        var end = pattern.IndexOf('\'', i + 1);
                        if (end < 0)
                        {
                            throw new FormatException($"date format [{pattern}]");
                        }

                        var literal = pattern[(i + 1)..end];
                        regex.Append(Regex.Escape(literal));
                        format.Append('\'').Append(literal).Append('\'');
                        run = end - i + 1;
                        break;
                    case '-' or ':' or '.' or ' ' or '/' or ',' or 'T':
                        regex.Append(Regex.Escape(new string(c, run)));
                        format.Append('\'').Append(c, run).Append('\'');
                        break;
                    default:
                        throw new FormatException($"date format [{pattern}]");
                }

                i += run;
            }

            _regex = new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant);
            _dotnetFormat = format.ToString();
        }

        public override bool TryParse(string text, bool roundUp, out long millis)
        {
            millis = 0;
            var m = _regex.Match(text);
            if (!m.Success)
            {
                return false;
            }

            var year = Part(m, "y", 1970, 1970, roundUp);
            if (m.Groups["y"].Success && m.Groups["y"].Length == 2)
            {
                year += 2000;
            }

            millis = FromGroups(m, year, roundUp);
            return millis != long.MinValue;
        }

        public override string Format(long millis) =>
            DateTimeOffset.FromUnixTimeMilliseconds(millis).UtcDateTime.ToString(_dotnetFormat, CultureInfo.InvariantCulture);

        private static void Field(StringBuilder regex, StringBuilder format, string group, int digits, string dotnet)
        {
            regex.Append("(?<").Append(group).Append(@">\d{").Append(digits).Append("})");
            format.Append(dotnet);
        }
    }
}
