using System.Globalization;
using System.Text.Json;
using S3Connector.EsTestServer.Documents;
using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices.Mapping;

namespace S3Connector.EsTestServer.Search;

/// <summary>One sort criterion as requested (field, order, missing, unmapped_type, mode).</summary>
internal sealed record SortSpec(string Field, bool Descending, JsonElement? Missing, string? UnmappedType, string? Mode)
{
    public bool IsScore => Field == "_score";

    public bool MissingFirst => Missing is { ValueKind: JsonValueKind.String } m && m.GetString() == "_first";

    /// <summary>The sort body option: a name, an object of name → order/options, or an array of those.</summary>
    public static List<SortSpec> Parse(JsonElement value, BodyContext context)
    {
        var result = new List<SortSpec>();
        if (value.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                using var scope = context.Enter(i++);
                ParseOne(item, context, result);
            }
        }
        else
        {
            ParseOne(value, context, result);
        }

        return result;
    }

    /// <summary>The sort URL parameter: "field:asc,other".</summary>
    public static List<SortSpec> ParseParameter(string value) => value
        .Split(',', StringSplitOptions.RemoveEmptyEntries)
        .Select(part =>
        {
            var colon = part.LastIndexOf(':');
            var field = colon > 0 ? part[..colon] : part;
            var order = colon > 0 ? part[(colon + 1)..] : null;
            return new SortSpec(field, order is null ? field == "_score" : Order(order), null, null, null);
        })
        .ToList();

    private static void ParseOne(JsonElement item, BodyContext context, List<SortSpec> into)
    {
        if (item.ValueKind == JsonValueKind.String)
        {
            var name = item.GetString()!;
            into.Add(new SortSpec(name, name == "_score", null, null, null));
            return;
        }

        if (item.ValueKind != JsonValueKind.Object)
        {
            throw context.Parsing($"[sort] unexpected token [{JsonIn.TokenName(item.ValueKind)}]");
        }

        foreach (var property in item.EnumerateObject())
        {
            using var scope = context.Enter(property.Name);
            var field = property.Name;
            if (field is "_geo_distance" or "_geoDistance" or "_script")
            {
                throw Errors.Unsupported($"[{field}] sort");
            }

            var descending = field == "_score";
            JsonElement? missing = null;
            string? unmappedType = null, mode = null;
            if (property.Value.ValueKind == JsonValueKind.String)
            {
                descending = Order(property.Value.GetString()!);
            }
            else if (property.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (var option in property.Value.EnumerateObject())
                {
                    using var optionScope = context.Enter(option.Name);
                    switch (option.Name)
                    {
                        case "order": descending = Order(option.Value.GetString() ?? string.Empty); break;
                        case "missing": missing = option.Value.Clone(); break;
                        case "unmapped_type": unmappedType = option.Value.GetString(); break;
                        case "mode": mode = option.Value.GetString(); break;
                        case "numeric_type" or "format" or "nested" or "nested_path" or "nested_filter":
                            throw Errors.Unsupported($"sort option [{option.Name}]");
                        default:
                            throw context.XContent($"[{(field.StartsWith('_') ? field.TrimStart('_') + "_sort" : "field_sort")}] unknown field [{option.Name}]");
                    }
                }
            }
            else
            {
                throw context.Parsing($"[sort] unexpected token [{JsonIn.TokenName(property.Value.ValueKind)}]");
            }

            into.Add(new SortSpec(field, descending, missing, unmappedType, mode));
        }
    }

    private static bool Order(string order) => order.ToLowerInvariant() switch
    {
        "asc" => false,
        "desc" => true,
        _ => throw Errors.IllegalArgument($"No enum constant org.elasticsearch.search.sort.SortOrder.{order.ToUpperInvariant()}"),
    };
}

/// <summary>
/// A sort criterion bound to one index: extracts each document's sort value the way ES's comparators do
/// (min for ascending, max for descending; missing values replaced by the type's extreme, or null for
/// keywords), and yields the value printed in a hit's "sort" array.
/// </summary>
internal sealed class BoundSort
{
    private readonly SortSpec _spec;
    private readonly string? _path;
    private readonly FieldMapper? _mapper;
    private readonly SortValueKind _kind;
    private readonly object? _missingValue;

    private BoundSort(SortSpec spec, string? path, FieldMapper? mapper, SortValueKind kind, object? missingValue)
    {
        _spec = spec;
        _path = path;
        _mapper = mapper;
        _kind = kind;
        _missingValue = missingValue;
    }

    public static BoundSort Bind(SortSpec spec, QueryContext ctx)
    {
        switch (spec.Field)
        {
            case "_score":
                return new BoundSort(spec, null, null, SortValueKind.Score, null);
            case "_doc":
                return new BoundSort(spec, null, null, SortValueKind.Doc, null);
            case "_id":
                throw Errors.IllegalArgument(Fielddata.IdDisallowedMessage);
            case "_shard_doc":
                throw Errors.IllegalArgument("[_shard_doc] sort field cannot be used without [point in time]");
        }

        var resolved = ctx.Field(spec.Field);
        if (resolved is null)
        {
            if (spec.UnmappedType is null)
            {
                throw ctx.ShardFailure($"No mapping found for [{spec.Field}] in order to sort on");
            }

            var kind = KindOf(spec.UnmappedType);
            return new BoundSort(spec, spec.Field, null, kind, MissingValue(spec, kind, null));
        }

        if (resolved.Kind == FieldKind.Text && !resolved.Mapper.Fielddata)
        {
            throw Errors.IllegalArgument(Fielddata.DisabledMessage(resolved.Path, ctx.Index.Name));
        }

        if (resolved.Kind == FieldKind.Binary)
        {
            throw Errors.IllegalArgument($"Field [{resolved.Path}] of type [binary] does not support sorting");
        }

        var valueKind = resolved.Kind == FieldKind.Text ? SortValueKind.String : KindOf(resolved.TypeName);
        return new BoundSort(spec, resolved.Path, resolved.Mapper, valueKind, MissingValue(spec, valueKind, resolved.Mapper));
    }

    public object? ValueOf(StoredDoc doc, int position, double score)
    {
        switch (_kind)
        {
            case SortValueKind.Score:
                return (float)score;
            case SortValueKind.Doc:
                return position;
        }

        if (_path is null || !doc.Fields.TryGetValue(_path, out var values) || values.IsEmpty)
        {
            return _missingValue;
        }

        var useMax = _spec.Mode is "max" || (_spec.Mode is null && _spec.Descending);
        return _kind switch
        {
            SortValueKind.String => useMax ? values.Strings.Max(Utf8Order.Instance) : values.Strings.Min(Utf8Order.Instance),
            SortValueKind.Long => Select(values.Longs, useMax),
            SortValueKind.Int => (int)Select(values.Longs, useMax),
            SortValueKind.Float => (float)Select(values.Doubles, useMax),
            _ => Select(values.Doubles, useMax),
        };
    }

    /// <summary>Converts a search_after value to this criterion's value type.</summary>
    public object? ConvertAfter(JsonElement value)
    {
        try
        {
            return (_kind, value.ValueKind) switch
            {
                (_, JsonValueKind.Null) => null,
                (SortValueKind.String, _) => Scalar.From(value).Text,
                (SortValueKind.Long, JsonValueKind.String) when _mapper?.Kind == FieldKind.Date && !long.TryParse(value.GetString(), out _) =>
                    ValueParsing.ParseDate(value.GetString()!, _mapper.DateFormat),
                (SortValueKind.Long, _) => long.Parse(Scalar.From(value).Text, NumberStyles.Float, CultureInfo.InvariantCulture),
                (SortValueKind.Int or SortValueKind.Doc, _) => int.Parse(Scalar.From(value).Text, NumberStyles.Float, CultureInfo.InvariantCulture),
                (SortValueKind.Float or SortValueKind.Score, _) => float.Parse(Scalar.From(value).Text, NumberStyles.Float, CultureInfo.InvariantCulture),
                _ => double.Parse(Scalar.From(value).Text, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException or EsException)
        {
            throw Errors.IllegalArgument($"Failed to parse search_after value for field [{_spec.Field}].");
        }
    }

    /// <summary>Compares two sort values in this criterion's order; null (a missing keyword) goes last unless missing=_first.</summary>
    public int Compare(object? a, object? b)
    {
        if (a is null || b is null)
        {
            var nulls = (a is null ? 1 : 0) - (b is null ? 1 : 0);
            return _spec.MissingFirst ? -nulls : nulls;
        }

        var result = (a, b) switch
        {
            (string x, string y) => Utf8Order.Instance.Compare(x, y),
            (long x, long y) => x.CompareTo(y),
            (int x, int y) => x.CompareTo(y),
            (float x, float y) => x.CompareTo(y),
            (double x, double y) => x.CompareTo(y),
            _ => Convert.ToDouble(a, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(b, CultureInfo.InvariantCulture)),
        };
        return _spec.Descending ? -result : result;
    }

    private static long Select(long[] values, bool max) => max ? values.Max() : values.Min();

    private static double Select(double[] values, bool max) => max ? values.Max() : values.Min();

    private static SortValueKind KindOf(string type) => type switch
    {
        "keyword" or "wildcard" or "flattened" or "text" or "match_only_text" => SortValueKind.String,
        "integer" or "short" or "byte" => SortValueKind.Int,
        "float" or "half_float" => SortValueKind.Float,
        "double" or "scaled_float" => SortValueKind.Double,
        _ => SortValueKind.Long,
    };

    /// <summary>ES substitutes missing numeric values with the extreme that puts them last (or first).</summary>
    private static object? MissingValue(SortSpec spec, SortValueKind kind, FieldMapper? mapper)
    {
        var last = spec.Missing is null || spec.Missing is { ValueKind: JsonValueKind.String } m && m.GetString() == "_last";
        var high = last != spec.Descending;
        if (spec.Missing is { } custom && !last && !spec.MissingFirst)
        {
            var text = Scalar.From(custom).Text;
            return kind switch
            {
                SortValueKind.String => text,
                SortValueKind.Int => int.Parse(text, CultureInfo.InvariantCulture),
                SortValueKind.Float => float.Parse(text, CultureInfo.InvariantCulture),
                SortValueKind.Double => double.Parse(text, CultureInfo.InvariantCulture),
                _ when mapper?.Kind == FieldKind.Date => ValueParsing.ParseDate(text, mapper.DateFormat),
                _ => long.Parse(text, CultureInfo.InvariantCulture),
            };
        }

        return kind switch
        {
            SortValueKind.String => null,
            SortValueKind.Int => high ? int.MaxValue : int.MinValue,
            SortValueKind.Float => high ? float.PositiveInfinity : float.NegativeInfinity,
            SortValueKind.Double => high ? double.PositiveInfinity : double.NegativeInfinity,
            _ => high ? long.MaxValue : long.MinValue,
        };
    }

    private enum SortValueKind
    {
        Score,
        Doc,
        String,
        Long,
        Int,
        Float,
        Double,
    }
}

/// <summary>The error ES raises when sorting or aggregating on a text field without fielddata.</summary>
internal static class Fielddata
{
    public const string IdDisallowedMessage =
        "Fielddata access on the _id field is disallowed, you can re-enable it by updating the dynamic cluster setting: indices.id_field_data.enabled";

    public static string DisabledMessage(string field, string index) =>
        $"Fielddata is disabled on [{field}] in [{index}]. Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [{field}] in order to load field data by uninverting the inverted index. Note that this can use significant memory.";
}
