using System.Globalization;
using System.Text.Json;
using S3Connector.EsTestServer.Http;

namespace S3Connector.EsTestServer.Indices.Mapping;

/// <summary>A JSON scalar as ES's field mappers see it: the token kind and its text (numbers keep their raw text).</summary>
internal readonly record struct Scalar(JsonTokenType Token, string Text)
{
    public static Scalar From(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => new(JsonTokenType.String, e.GetString()!),
        JsonValueKind.Number => new(JsonTokenType.Number, e.GetRawText()),
        JsonValueKind.True => new(JsonTokenType.True, "true"),
        JsonValueKind.False => new(JsonTokenType.False, "false"),
        JsonValueKind.Null => new(JsonTokenType.Null, "null"),
        _ => throw new ArgumentException("not a scalar", nameof(e)),
    };

    public bool IsBoolean => Token is JsonTokenType.True or JsonTokenType.False;

    /// <summary>Jackson's name for the token, used in its "not numeric" messages.</summary>
    public string JacksonToken => Token switch
    {
        JsonTokenType.True => "VALUE_TRUE",
        JsonTokenType.False => "VALUE_FALSE",
        JsonTokenType.Number when Text.IndexOfAny(['.', 'e', 'E']) >= 0 => "VALUE_NUMBER_FLOAT",
        JsonTokenType.Number => "VALUE_NUMBER_INT",
        _ => "VALUE_STRING",
    };
}

/// <summary>
/// Converts scalars to indexed values the way ES's number, date and boolean mappers do, throwing the Java-level
/// cause ES reports (IllegalArgumentException, NumberFormatException) when a value does not fit.
/// </summary>
internal static class ValueParsing
{
    public static long ParseLong(string text, string type, bool coerce)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exact))
        {
            return CheckRange(exact, text, type);
        }

        if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var huge) && double.IsFinite(huge))
            {
                throw OutOfRange(text, type);
            }

            throw Errors.Java("illegal_argument_exception", $"For input string: \"{text}\"");
        }

        if (value != decimal.Truncate(value) && !coerce)
        {
            throw Errors.Java("illegal_argument_exception", $"Value [{text}] has a decimal part");
        }

        var truncated = decimal.Truncate(value);
        if (truncated is > long.MaxValue or < long.MinValue)
        {
            throw OutOfRange(text, type);
        }

        return CheckRange((long)truncated, text, type);
    }

    public static double ParseDouble(string text, string type)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw Errors.NumberFormat(text);
        }

        var stored = type switch
        {
            "float" => (double)(float)value,
            "half_float" => (double)(Half)value,
            _ => value,
        };
        if (!double.IsFinite(stored))
        {
            throw Errors.Java("illegal_argument_exception", $"[{type}] supports only finite values, but got [{(double.IsNaN(value) ? "NaN" : stored > 0 ? "Infinity" : "-Infinity")}]");
        }

        return stored;
    }

    /// <summary>scaled_float stores round(value * factor) and reads it back divided by the factor.</summary>
    public static double Scale(double value, double factor) => Math.Floor((value * factor) + 0.5) / factor;

    public static long ParseDate(string text, DateFormat format, bool roundUp = false)
    {
        if (format.TryParse(text, roundUp, out var millis))
        {
            return millis;
        }

        throw Errors.Java(
            "illegal_argument_exception",
            $"failed to parse date field [{text}] with format [{format.Pattern}]",
            Errors.Java("date_time_parse_exception", "Failed to parse with all enclosed parsers"));
    }

    public static bool ParseBoolean(string text) => text switch
    {
        "true" => true,
        "false" => false,
        _ => throw Errors.Java("illegal_argument_exception", $"Failed to parse value [{text}] as only [true] or [false] are allowed."),
    };

    private static long CheckRange(long value, string text, string type) => type switch
    {
        "integer" when value is < int.MinValue or > int.MaxValue => throw OutOfRange(text, type),
        "short" when value is < short.MinValue or > short.MaxValue => throw OutOfRange(text, type),
        "byte" when value is < sbyte.MinValue or > sbyte.MaxValue => throw OutOfRange(text, type),
        _ => value,
    };

    private static EsException OutOfRange(string text, string type) =>
        Errors.Java("illegal_argument_exception", $"Value [{text}] is out of range for {(type == "integer" ? "an integer" : $"a {type}")}");
}
