using System.Globalization;
using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices.Mapping;

namespace S3Connector.EsTestServer.Search;

/// <summary>
/// ES date math for range bounds: an anchor ("now" or "date||") followed by +N/-N units and /unit rounding,
/// where rounding and missing date fields round up for upper-inclusive and lower-exclusive bounds.
/// </summary>
internal static class DateMath
{
    public static long Parse(string text, DateFormat format, bool roundUp, long nowMillis, TimeZoneInfo? zone)
    {
        string math;
        DateTimeOffset anchor;
        if (text.StartsWith("now", StringComparison.Ordinal))
        {
            anchor = DateTimeOffset.FromUnixTimeMilliseconds(nowMillis);
            math = text[3..];
        }
        else
        {
            var split = text.IndexOf("||", StringComparison.Ordinal);
            var datePart = split >= 0 ? text[..split] : text;
            math = split >= 0 ? text[(split + 2)..] : string.Empty;
            var millis = ParseInZone(datePart, format, roundUp && math.Length == 0, zone);
            anchor = DateTimeOffset.FromUnixTimeMilliseconds(millis);
        }

        if (zone is not null)
        {
            anchor = TimeZoneInfo.ConvertTime(anchor, zone);
        }

        return ApplyMath(anchor, math, roundUp, text).ToUnixTimeMilliseconds();
    }

    private static long ParseInZone(string text, DateFormat format, bool roundUp, TimeZoneInfo? zone)
    {
        var millis = ValueParsing.ParseDate(text, format, roundUp);
        if (zone is null || HasExplicitZone(text) || format.AcceptsEpoch && long.TryParse(text, out _))
        {
            return millis;
        }

        // The text was read as UTC; reinterpret its wall-clock time in the requested zone.
        var wall = DateTimeOffset.FromUnixTimeMilliseconds(millis).UtcDateTime;
        return new DateTimeOffset(wall, zone.GetUtcOffset(wall)).ToUnixTimeMilliseconds();
    }

    private static bool HasExplicitZone(string text) =>
        text.EndsWith('Z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');

    private static DateTimeOffset ApplyMath(DateTimeOffset value, string math, bool roundUp, string original)
    {
        var i = 0;
        while (i < math.Length)
        {
            var op = math[i++];
            if (op == '/')
            {
                if (i >= math.Length)
                {
                    throw Invalid(original);
                }

                value = Round(value, math[i++], roundUp);
                continue;
            }

            if (op is not ('+' or '-'))
            {
                throw Invalid(original);
            }

            var start = i;
            while (i < math.Length && char.IsDigit(math[i]))
            {
                i++;
            }

            var amount = i > start ? int.Parse(math[start..i], CultureInfo.InvariantCulture) : 1;
            if (i >= math.Length)
            {
                throw Invalid(original);
            }

            var sign = op == '+' ? 1 : -1;
            value = math[i++] switch
            {
                'y' => value.AddYears(sign * amount),
                'M' => value.AddMonths(sign * amount),
                'w' => value.AddDays(sign * amount * 7),
                'd' => value.AddDays(sign * amount),
                'h' or 'H' => value.AddHours(sign * amount),
                'm' => value.AddMinutes(sign * amount),
                's' => value.AddSeconds(sign * amount),
                _ => throw Invalid(original),
            };
        }

        return value;
    }

    private static DateTimeOffset Round(DateTimeOffset value, char unit, bool roundUp)
    {
        var floor = unit switch
        {
            'y' => new DateTimeOffset(value.Year, 1, 1, 0, 0, 0, value.Offset),
            'M' => new DateTimeOffset(value.Year, value.Month, 1, 0, 0, 0, value.Offset),
            'w' => new DateTimeOffset(value.Date, value.Offset).AddDays(-(((int)value.DayOfWeek + 6) % 7)),
            'd' => new DateTimeOffset(value.Date, value.Offset),
            'h' or 'H' => new DateTimeOffset(value.Year, value.Month, value.Day, value.Hour, 0, 0, value.Offset),
            'm' => new DateTimeOffset(value.Year, value.Month, value.Day, value.Hour, value.Minute, 0, value.Offset),
            's' => new DateTimeOffset(value.Year, value.Month, value.Day, value.Hour, value.Minute, value.Second, value.Offset),
            _ => throw Errors.Java("illegal_argument_exception", $"unit [{unit}] not supported for date math"),
        };
        if (!roundUp)
        {
            return floor;
        }

        var next = unit switch
        {
            'y' => floor.AddYears(1),
            'M' => floor.AddMonths(1),
            'w' => floor.AddDays(7),
            'd' => floor.AddDays(1),
            'h' or 'H' => floor.AddHours(1),
            'm' => floor.AddMinutes(1),
            _ => floor.AddSeconds(1),
        };
        return next.AddMilliseconds(-1);
    }

    private static EsException Invalid(string text) =>
        Errors.Java("elasticsearch_parse_exception", $"operator not supported for date math [{text}]");

    public static TimeZoneInfo? ParseZone(string? id)
    {
        if (id is null)
        {
            return null;
        }

        if (id is "Z" or "UTC")
        {
            return TimeZoneInfo.Utc;
        }

        if (id.Length > 0 && id[0] is '+' or '-')
        {
            var offset = TimeSpan.Parse(id.TrimStart('+'), CultureInfo.InvariantCulture);
            return TimeZoneInfo.CreateCustomTimeZone(id, id[0] == '-' ? -offset.Duration() : offset, id, id);
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException)
        {
            throw Errors.IllegalArgument($"Unknown time-zone ID: {id}");
        }
    }
}
