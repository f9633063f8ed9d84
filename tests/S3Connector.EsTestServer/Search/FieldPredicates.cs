using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using S3Connector.EsTestServer.Documents;
using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices.Mapping;

namespace S3Connector.EsTestServer.Search;

/// <summary>Bounds of a range query as given (gt/gte/lt/lte, or from/to with include_lower/include_upper).</summary>
internal sealed record RangeBounds(Scalar? Lower, bool IncludeLower, Scalar? Upper, bool IncludeUpper, string? Format, string? TimeZone);

/// <summary>
/// Turns a query value into a test over one field's indexed values, interpreting the value by the field's
/// mapped type as ES's field types do (term on text compares tokens, on numbers numerically, on dates after
/// date math). Values that cannot be converted fail the query on that index with ES's error.
/// </summary>
internal static class FieldPredicates
{
    public static Func<FieldValues, bool> Term(QueryContext ctx, ResolvedField field, Scalar value, bool caseInsensitive)
    {
        try
        {
            switch (field.Kind)
            {
                case FieldKind.Keyword or FieldKind.Text:
                    var comparison = caseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
                    var text = value.Text;
                    return v => v.Strings.Any(s => string.Equals(s, text, comparison));
                case FieldKind.Long or FieldKind.Date or FieldKind.Boolean:
                    if (!TryExactLong(ctx, field, value, out var exact))
                    {
                        return _ => false;
                    }

                    return v => Array.IndexOf(v.Longs, exact) >= 0;
                case FieldKind.Double:
                    var number = ToDouble(field, value);
                    return v => Array.IndexOf(v.Doubles, number) >= 0;
                default:
                    throw Errors.Java("illegal_argument_exception", "Binary fields do not support searching");
            }
        }
        catch (EsException e) when (e.IsJavaException)
        {
            throw ctx.CreateFailure(e);
        }
    }

    public static Func<FieldValues, bool> Range(QueryContext ctx, ResolvedField field, RangeBounds bounds)
    {
        try
        {
            switch (field.Kind)
            {
                case FieldKind.Keyword or FieldKind.Text:
                    var lowText = bounds.Lower?.Text;
                    var highText = bounds.Upper?.Text;
                    return v => v.Strings.Any(s => InRange(
                        lowText is null ? 1 : Utf8Order.Instance.Compare(s, lowText), bounds.IncludeLower,
                        highText is null ? -1 : Utf8Order.Instance.Compare(s, highText), bounds.IncludeUpper));
                case FieldKind.Date:
                    var format = bounds.Format is { } f ? DateFormat.Parse(f) : field.Mapper.DateFormat;
                    var zone = DateMath.ParseZone(bounds.TimeZone);
                    long? lowDate = bounds.Lower is { } l ? DateMath.Parse(l.Text, format, !bounds.IncludeLower, ctx.NowMillis, zone) : null;
                    long? highDate = bounds.Upper is { } h ? DateMath.Parse(h.Text, format, bounds.IncludeUpper, ctx.NowMillis, zone) : null;
                    return v => v.Longs.Any(x => InRange(
                        lowDate is null ? 1 : x.CompareTo(lowDate.Value), bounds.IncludeLower,
                        highDate is null ? -1 : x.CompareTo(highDate.Value), bounds.IncludeUpper));
                case FieldKind.Long or FieldKind.Boolean:
                    decimal? lowLong = bounds.Lower is { } ll ? ToDecimal(field, ll) : null;
                    decimal? highLong = bounds.Upper is { } hl ? ToDecimal(field, hl) : null;
                    return v => v.Longs.Any(x => InRange(
                        lowLong is null ? 1 : ((decimal)x).CompareTo(lowLong.Value), bounds.IncludeLower,
                        highLong is null ? -1 : ((decimal)x).CompareTo(highLong.Value), bounds.IncludeUpper));
                case FieldKind.Double:
                    double? lowDouble = bounds.Lower is { } ld ? ToDouble(field, ld) : null;
                    double? highDouble = bounds.Upper is { } hd ? ToDouble(field, hd) : null;
                    return v => v.Doubles.Any(x => InRange(
                        lowDouble is null ? 1 : x.CompareTo(lowDouble.Value), bounds.IncludeLower,
                        highDouble is null ? -1 : x.CompareTo(highDouble.Value), bounds.IncludeUpper));
                default:
                    throw Errors.Java("illegal_argument_exception", "Binary fields do not support searching");
            }
        }
        catch (EsException e) when (e.IsJavaException)
        {
            throw ctx.CreateFailure(e);
        }
    }

    public static Func<FieldValues, bool> Prefix(QueryContext ctx, ResolvedField field, string prefix, bool caseInsensitive)
    {
        RequireText(ctx, field, "prefix");
        var comparison = caseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return v => v.Strings.Any(s => s.StartsWith(prefix, comparison));
    }

    public static Func<FieldValues, bool> Wildcard(QueryContext ctx, ResolvedField field, Func<string, bool> test)
    {
        RequireText(ctx, field, "wildcard");
        return v => v.Strings.Any(test);
    }

    /// <summary>Lucene wildcard syntax: '*' any run, '?' one character, '' escapes.</summary>
    public static Func<string, bool> WildcardTest(string pattern, bool caseInsensitive)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            regex.Append(c switch
            {
                '*' => ".*",
                '?' => ".",
                '\\' when i + 1 < pattern.Length => Regex.Escape(pattern[++i].ToString()),
                _ => Regex.Escape(c.ToString()),
            });
        }

        var options = RegexOptions.Singleline | RegexOptions.CultureInvariant | (caseInsensitive ? RegexOptions.IgnoreCase : RegexOptions.None);
        return new Regex(regex.Append('$').ToString(), options).IsMatch;
    }

    private static void RequireText(QueryContext ctx, ResolvedField field, string query)
    {
        if (field.Kind is not (FieldKind.Keyword or FieldKind.Text))
        {
            throw ctx.ShardFailure($"Can only use {query} queries on keyword, text and wildcard fields - not on [{field.Path}] which is of type [{field.TypeName}]");
        }
    }

    private static bool InRange(int lowerComparison, bool includeLower, int upperComparison, bool includeUpper) =>
        (includeLower ? lowerComparison >= 0 : lowerComparison > 0) && (includeUpper ? upperComparison <= 0 : upperComparison < 0);

    /// <summary>Term values for long, date and boolean fields; a decimal value on an integer field matches nothing.</summary>
    private static bool TryExactLong(QueryContext ctx, ResolvedField field, Scalar value, out long result)
    {
        switch (field.Kind)
        {
            case FieldKind.Date:
                result = DateMath.Parse(value.Text, field.Mapper.DateFormat, false, ctx.NowMillis, null);
                return true;
            case FieldKind.Boolean:
                result = value.Text switch
                {
                    "true" => 1,
                    "false" => 0,
                    _ => throw Errors.Java("illegal_argument_exception", $"Can't parse boolean value [{value.Text}], expected [true] or [false]"),
                };
                return true;
            default:
                var number = ToDecimal(field, value);
                result = 0;
                if (number != decimal.Truncate(number))
                {
                    return false;
                }

                result = ValueParsing.ParseLong(number.ToString(CultureInfo.InvariantCulture), field.TypeName, coerce: true);
                return true;
        }
    }

    private static decimal ToDecimal(ResolvedField field, Scalar value)
    {
        if (field.Kind == FieldKind.Boolean && value.Text is "true" or "false")
        {
            return value.Text == "true" ? 1 : 0;
        }

        return decimal.TryParse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw Errors.NumberFormat(value.Text);
    }

    private static double ToDouble(ResolvedField field, Scalar value)
    {
        if (value.Token is JsonTokenType.True or JsonTokenType.False)
        {
            throw Errors.NumberFormat(value.Text);
        }

        var number = ValueParsing.ParseDouble(value.Text, field.TypeName);
        return field.TypeName == "scaled_float" ? ValueParsing.Scale(number, field.Mapper.ScalingFactor) : number;
    }
}
