using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace S3Connector.EsTestServer.Http;

/// <summary>JSON output helpers that reproduce how Elasticsearch (Java/Jackson) prints values.</summary>
internal static class JsonOut
{
    // ES writes raw UTF-8; the default encoder would escape every non-ASCII character.
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };

    public static void WriteValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case float f: WriteFloat(w, f); break;
            case double d: WriteDouble(w, d); break;
            case JsonElement e: e.WriteTo(w); break;
            case IEnumerable<string> list:
                w.WriteStartArray();
                foreach (var item in list)
                {
                    w.WriteStringValue(item);
                }

                w.WriteEndArray();
                break;
            default: throw new InvalidOperationException($"Cannot write {value.GetType()} as JSON.");
        }
    }

    /// <summary>Java's Double.toString: "3.0", "1.0E7"; non-finite values become strings as Jackson writes them.</summary>
    public static void WriteDouble(Utf8JsonWriter w, double d)
    {
        if (double.IsFinite(d))
        {
            w.WriteRawValue(FormatJava(d.ToString("R", CultureInfo.InvariantCulture)), skipInputValidation: true);
        }
        else
        {
            w.WriteStringValue(double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
        }
    }

    public static void WriteFloat(Utf8JsonWriter w, float f)
    {
        if (float.IsFinite(f))
        {
            w.WriteRawValue(FormatJava(f.ToString("R", CultureInfo.InvariantCulture)), skipInputValidation: true);
        }
        else
        {
            w.WriteStringValue(float.IsNaN(f) ? "NaN" : f > 0 ? "Infinity" : "-Infinity");
        }
    }

    /// <summary>Rewrites .NET's shortest round-trip text into Java's notation (same digits, different layout).</summary>
    private static string FormatJava(string dotnet)
    {
        var negative = dotnet.StartsWith('-');
        var body = negative ? dotnet[1..] : dotnet;
        var exponent = 0;
        var e = body.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(body[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            body = body[..e];
        }

        var dot = body.IndexOf('.', StringComparison.Ordinal);
        var intPart = dot >= 0 ? body[..dot] : body;
        var fracPart = dot >= 0 ? body[(dot + 1)..] : string.Empty;
        var digits = (intPart + fracPart).TrimStart('0');
        // Decimal exponent of the first significant digit.
        var leadingZeros = (intPart + fracPart).Length - (intPart + fracPart).TrimStart('0').Length;
        var pointExponent = intPart.Length - 1 - leadingZeros + exponent;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            return negative ? "-0.0" : "0.0";
        }

        string text;
        if (pointExponent is >= -3 and < 7)
        {
            if (pointExponent >= 0)
            {
                var whole = digits.Length > pointExponent + 1 ? digits[..(pointExponent + 1)] : digits.PadRight(pointExponent + 1, '0');
                var frac = digits.Length > pointExponent + 1 ? digits[(pointExponent + 1)..] : "0";
                text = whole + "." + frac;
            }
            else
            {
                text = "0." + new string('0', -pointExponent - 1) + digits;
            }
        }
        else
        {
            text = digits[..1] + "." + (digits.Length > 1 ? digits[1..] : "0") + "E" + pointExponent.ToString(CultureInfo.InvariantCulture);
        }

        return negative ? "-" + text : text;
    }
}
