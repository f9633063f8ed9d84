using System.Globalization;
using System.Text.Json;
using S3Connector.EsTestServer.Documents;
using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices.Mapping;

namespace S3Connector.EsTestServer.Search;

/// <summary>
/// The supported aggregations (sum, min, max, avg, value_count, terms with sub-aggregations), computed over all
/// documents the query matched, and printed as ES prints them (typed_keys prefixes included).
/// </summary>
internal abstract class Aggregation(string name, string type, JsonElement? meta)
{
    public string Name { get; } = name;

    public string Type { get; } = type;

    /// <summary>Rejects fields this aggregation cannot read on an index (a shard failure in ES).</summary>
    public abstract void Validate(QueryContext ctx);

    public abstract void Write(Utf8JsonWriter w, IReadOnlyList<Hit> hits, bool typedKeys);

    protected void WriteMeta(Utf8JsonWriter w)
    {
        if (meta is { } m)
        {
            w.WritePropertyName("meta");
            m.WriteTo(w);
        }
    }

    public static void WriteAll(Utf8JsonWriter w, IReadOnlyList<Aggregation> aggregations, IReadOnlyList<Hit> hits, bool typedKeys)
    {
        foreach (var aggregation in aggregations)
        {
            aggregation.Write(w, hits, typedKeys);
        }
    }
}

/// <summary>sum, min, max, avg and value_count over one field.</summary>
internal sealed class MetricAggregation(string name, string type, JsonElement? meta, string field, Scalar? missing)
    : Aggregation(name, type, meta)
{
    public override void Validate(QueryContext ctx)
    {
        MetadataFields.Reject(field);
        if (ctx.Field(field) is not { } resolved)
        {
            return;
        }

        if (resolved.Kind == FieldKind.Text && !resolved.Mapper.Fielddata)
        {
            throw Errors.IllegalArgument(Fielddata.DisabledMessage(resolved.Path, ctx.Index.Name));
        }

        if (Type != "value_count" && resolved.Kind is FieldKind.Keyword or FieldKind.Text or FieldKind.Binary)
        {
            throw Errors.IllegalArgument($"Field [{resolved.Path}] of type [{resolved.TypeName}] is not supported for aggregation [{Type}]");
        }
    }

    public override void Write(Utf8JsonWriter w, IReadOnlyList<Hit> hits, bool typedKeys)
    {
        var numbers = new List<double>();
        long count = 0;
        DateFormat? dateFormat = null;
        foreach (var hit in hits)
        {
            var resolved = hit.Index.Mapping.Resolve(field);
            dateFormat ??= resolved is { Kind: FieldKind.Date } ? resolved.Mapper.DateFormat : null;
            var values = resolved is not null && hit.Doc.Fields.TryGetValue(resolved.Path, out var v) && !v.IsEmpty ? v : null;
            if (values is null)
            {
                if (missing is { } m)
                {
                    count++;
                    if (Type != "value_count")
                    {
                        numbers.Add(MissingNumber(m, dateFormat));
                    }
                }

                continue;
            }

            count += values.Strings.Length + values.Longs.Length + values.Doubles.Length;
            numbers.AddRange(values.Longs.Select(l => (double)l));
            numbers.AddRange(values.Doubles);
        }

        w.WriteStartObject(typedKeys ? $"{Type}#{Name}" : Name);
        WriteMeta(w);
        w.WritePropertyName("value");
        double? result = Type switch
        {
            "sum" => numbers.Sum(),
            "min" => numbers.Count == 0 ? null : numbers.Min(),
            "max" => numbers.Count == 0 ? null : numbers.Max(),
            "avg" => numbers.Count == 0 ? null : numbers.Sum() / numbers.Count,
            _ => null,
        };
        if (Type == "value_count")
        {
            w.WriteNumberValue(count);
        }
        else if (result is { } value)
        {
            JsonOut.WriteDouble(w, value);
            if (dateFormat is not null)
            {
                w.WriteString("value_as_string", dateFormat.Format((long)value));
            }
        }
        else
        {
            w.WriteNullValue();
        }

        w.WriteEndObject();
    }

    private static double MissingNumber(Scalar missing, DateFormat? dateFormat) =>
        dateFormat is not null && !double.TryParse(missing.Text, CultureInfo.InvariantCulture, out _)
            ? ValueParsing.ParseDate(missing.Text, dateFormat)
            : double.Parse(missing.Text, CultureInfo.InvariantCulture);
}

/// <summary>terms: one bucket per distinct value, ordered by doc count (desc, then key asc) or by key.</summary>
internal sealed class TermsAggregation(
    string name,
    JsonElement? meta,
    string field,
    int size,
    long minDocCount,
    IReadOnlyList<(string Key, bool Descending)> order,
    Scalar? missing,
    IReadOnlyList<Aggregation> subAggregations) : Aggregation(name, "terms", meta)
{
    public override void Validate(QueryContext ctx)
    {
        MetadataFields.Reject(field);
        if (ctx.Field(field) is { } resolved)
        {
            if (resolved.Kind == FieldKind.Text && !resolved.Mapper.Fielddata)
            {
                throw Errors.IllegalArgument(Fielddata.DisabledMessage(resolved.Path, ctx.Index.Name));
            }

            if (resolved.Kind == FieldKind.Binary)
            {
                throw Errors.IllegalArgument($"Field [{resolved.Path}] of type [binary] is not supported for aggregation [terms]");
            }
        }

        foreach (var sub in subAggregations)
        {
            sub.Validate(ctx);
        }
    }

    public override void Write(Utf8JsonWriter w, IReadOnlyList<Hit> hits, bool typedKeys)
    {
        ResolvedField? mapped = null;
        var buckets = new Dictionary<object, List<Hit>>();
        foreach (var hit in hits)
        {
            var resolved = hit.Index.Mapping.Resolve(field);
            mapped ??= resolved;
            var keys = resolved is not null && hit.Doc.Fields.TryGetValue(resolved.Path, out var values) && !values.IsEmpty
                ? KeysOf(resolved, values)
                : missing is { } m && resolved is not null ? [MissingKey(resolved, m)] : [];
            foreach (var key in keys.Distinct())
            {
                if (!buckets.TryGetValue(key, out var docs))
                {
                    docs = [];
                    buckets[key] = docs;
                }

                docs.Add(hit);
            }
        }

        var prefix = mapped is null ? "umterms" : mapped.Kind switch
        {
            FieldKind.Keyword or FieldKind.Text => "sterms",
            FieldKind.Double => "dterms",
            _ => "lterms",
        };
        var ordered = buckets.Where(b => b.Value.Count >= minDocCount).ToList();
        ordered.Sort((a, b) => CompareBuckets(a.Key, a.Value.Count, b.Key, b.Value.Count));
        var shown = ordered.Take(size).ToList();

        w.WriteStartObject(typedKeys ? $"{prefix}#{Name}" : Name);
        WriteMeta(w);
        w.WriteNumber("doc_count_error_upper_bound", 0);
        w.WriteNumber("sum_other_doc_count", ordered.Skip(size).Sum(b => (long)b.Value.Count));
        w.WriteStartArray("buckets");
        foreach (var (key, docs) in shown)
        {
            w.WriteStartObject();
            w.WritePropertyName("key");
            JsonOut.WriteValue(w, key);
            if (mapped?.Kind == FieldKind.Date)
            {
                w.WriteString("key_as_string", mapped.Mapper.DateFormat.Format((long)key));
            }
            else if (mapped?.Kind == FieldKind.Boolean)
            {
                w.WriteString("key_as_string", (long)key == 1 ? "true" : "false");
            }

            w.WriteNumber("doc_count", docs.Count);
            WriteAll(w, subAggregations, docs, typedKeys);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private int CompareBuckets(object keyA, int countA, object keyB, int countB)
    {
        foreach (var (orderKey, descending) in order.Append(("_key", false)))
        {
            var result = orderKey == "_count" ? countA.CompareTo(countB) : CompareKeys(keyA, keyB);
            if (result != 0)
            {
                return descending ? -result : result;
            }
        }

        return 0;
    }

    private static int CompareKeys(object a, object b) => (a, b) switch
    {
        (string x, string y) => string.CompareOrdinal(x, y),
        (long x, long y) => x.CompareTo(y),
        (double x, double y) => x.CompareTo(y),
        _ => string.CompareOrdinal(a.ToString(), b.ToString()),
    };

    private static IEnumerable<object> KeysOf(ResolvedField field, FieldValues values) => field.Kind switch
    {
        FieldKind.Keyword or FieldKind.Text => values.Strings,
        FieldKind.Double => values.Doubles.Cast<object>(),
        _ => values.Longs.Cast<object>(),
    };

    private static object MissingKey(ResolvedField field, Scalar missing) => field.Kind switch
    {
        FieldKind.Keyword or FieldKind.Text => missing.Text,
        FieldKind.Double => double.Parse(missing.Text, CultureInfo.InvariantCulture),
        FieldKind.Date => ValueParsing.ParseDate(missing.Text, field.Mapper.DateFormat),
        FieldKind.Boolean => ValueParsing.ParseBoolean(missing.Text) ? 1L : 0L,
        _ => long.Parse(missing.Text, CultureInfo.InvariantCulture),
    };
}

/// <summary>Aggregating on metadata fields: _id fails as in ES; the others are not emulated.</summary>
internal static class MetadataFields
{
    public static void Reject(string field)
    {
        if (field == "_id")
        {
            throw Errors.IllegalArgument(Fielddata.IdDisallowedMessage);
        }

        if (field is "_index" or "_routing" or "_seq_no" or "_version" or "_ignored" or "_source" or "_tier")
        {
            throw Errors.Unsupported($"aggregations on the [{field}] metadata field");
        }
    }
}
