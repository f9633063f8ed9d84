using S3Connector.EsTestServer.Documents;
using S3Connector.EsTestServer.Indices.Mapping;

namespace S3Connector.EsTestServer.Search;

/// <summary>Tests one document; the score is only meaningful when it matches.</summary>
internal delegate bool DocMatcher(StoredDoc doc, out double score);

/// <summary>
/// A parsed query. Binding it to an index resolves fields against that index's mapping (so the same query
/// can mean different things on different indices, as in ES). Scores are simplified: every matching leaf
/// query scores 1 (match: 1 per matched term), bool sums its scoring clauses, filters score 0, and a
/// boost multiplies (see <see cref="BoostedQuery"/>).
/// </summary>
internal abstract class Query
{
    public abstract DocMatcher Bind(QueryContext ctx);

    protected static readonly DocMatcher None = (StoredDoc _, out double score) =>
    {
        score = 0;
        return false;
    };

    protected static readonly DocMatcher All = (StoredDoc _, out double score) =>
    {
        score = 1;
        return true;
    };

    /// <summary>
    /// Term-level queries on the _id and _index metadata fields, which are not in the mapping: null for
    /// ordinary fields. _id supports exact matching only (no prefix, wildcard or range), as in ES.
    /// </summary>
    protected static DocMatcher? MetadataMatcher(QueryContext ctx, string field, string query, Func<string, bool> test)
    {
        switch (field)
        {
            case "_index":
                var matches = test(ctx.Index.Name);
                return (StoredDoc _, out double score) =>
                {
                    score = 1;
                    return matches;
                };
            case "_id" when query is "term" or "terms" or "match":
                return (StoredDoc doc, out double score) =>
                {
                    score = 1;
                    return test(doc.Id);
                };
            case "_id":
                throw ctx.ShardFailure($"Can only use {query} queries on keyword, text and wildcard fields - not on [_id] which is of type [_id]");
            default:
                return field is "_routing" or "_source" or "_seq_no" or "_version" or "_ignored" or "_field_names"
                    ? throw Http.Errors.Unsupported($"{query} queries on the [{field}] metadata field")
                    : null;
        }
    }

    /// <summary>A matcher over the values of one field.</summary>
    protected static DocMatcher FieldMatcher(string path, Func<FieldValues, bool> test) =>
        (StoredDoc doc, out double score) =>
        {
            score = 1;
            return doc.Fields.TryGetValue(path, out var values) && test(values);
        };
}

internal sealed class MatchAllQuery : Query
{
    public override DocMatcher Bind(QueryContext ctx) => All;
}

/// <summary>Multiplies the score of the wrapped query (the "boost" every query accepts).</summary>
internal sealed class BoostedQuery(Query inner, double factor) : Query
{
    public override DocMatcher Bind(QueryContext ctx)
    {
        var matcher = inner.Bind(ctx);
        return (StoredDoc doc, out double score) =>
        {
            var matched = matcher(doc, out var s);
            score = s * factor;
            return matched;
        };
    }
}

internal sealed class MatchNoneQuery : Query
{
    public override DocMatcher Bind(QueryContext ctx) => None;
}

internal sealed class TermQuery(string field, Scalar value, bool caseInsensitive) : Query
{
    public override DocMatcher Bind(QueryContext ctx)
    {
        var comparison = caseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (MetadataMatcher(ctx, field, "term", v => string.Equals(v, value.Text, comparison)) is { } metadata)
        {
            return metadata;
        }

        return ctx.Field(field) is { } resolved
            ? FieldMatcher(resolved.Path, FieldPredicates.Term(ctx, resolved, value, caseInsensitive))
            : None;
    }
}

internal sealed class TermsQuery(string field, IReadOnlyList<Scalar> values) : Query
{
    public override DocMatcher Bind(QueryContext ctx)
    {
        var texts = values.Select(v => v.Text).ToHashSet(StringComparer.Ordinal);
        if (MetadataMatcher(ctx, field, "terms", texts.Contains) is { } metadata)
        {
            return metadata;
        }

        if (ctx.Field(field) is not { } resolved)
        {
            return None;
        }

        var tests = values.Select(v => FieldPredicates.Term(ctx, resolved, v, false)).ToList();
        return FieldMatcher(resolved.Path, v => tests.Any(t => t(v)));
    }
}

internal sealed class IdsQuery(IReadOnlyCollection<string> ids) : Query
{
    public override DocMatcher Bind(QueryContext ctx)
    {
        var set = ids.ToHashSet(StringComparer.Ordinal);
        return (StoredDoc doc, out double score) =>
        {
            score = 1;
            return set.Contains(doc.Id);
        };
    }
}

internal sealed class RangeQuery(string field, RangeBounds bounds) : Query
{
    public override DocMatcher Bind(QueryContext ctx) =>
        field is "_id" or "_index" or "_routing" or "_seq_no" or "_version"
            ? throw Http.Errors.Unsupported($"range queries on the [{field}] metadata field")
            : ctx.Field(field) is { } resolved
            ? FieldMatcher(resolved.Path, FieldPredicates.Range(ctx, resolved, bounds))
            : None;
}

internal sealed class PrefixQuery(string field, string prefix, bool caseInsensitive) : Query
{
    public override DocMatcher Bind(QueryContext ctx) =>
        MetadataMatcher(ctx, field, "prefix", v => v.StartsWith(prefix, caseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
        ?? (ctx.Field(field) is { } resolved
            ? FieldMatcher(resolved.Path, FieldPredicates.Prefix(ctx, resolved, prefix, caseInsensitive))
            : None);
}

internal sealed class WildcardQuery(string field, string pattern, bool caseInsensitive) : Query
{
    public override DocMatcher Bind(QueryContext ctx)
    {
        var test = FieldPredicates.WildcardTest(pattern, caseInsensitive);
        return MetadataMatcher(ctx, field, "wildcard", test)
            ?? (ctx.Field(field) is { } resolved ? FieldMatcher(resolved.Path, FieldPredicates.Wildcard(ctx, resolved, test)) : None);
    }
}

/// <summary>exists: the field has an indexed value; on an object path, any sub-field does.</summary>
internal sealed class ExistsQuery(string field) : Query
{
    public override DocMatcher Bind(QueryContext ctx)
    {
        if (field is "_id" or "_index")
        {
            return All;
        }

        if (ctx.Field(field) is { } resolved)
        {
            return FieldMatcher(resolved.Path, v => !v.IsEmpty);
        }

        if (ctx.Mapping.ResolveObject(field) is null)
        {
            return None;
        }

        var prefix = field + ".";
        return (StoredDoc doc, out double score) =>
        {
            score = 1;
            return doc.Fields.Any(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal) && !kv.Value.IsEmpty);
        };
    }
}

/// <summary>match: analyzed on text fields (any/all of the query's tokens), a term query on other types.</summary>
internal sealed class MatchQuery(string field, Scalar query, bool requireAll, string? minimumShouldMatch, bool lenient, bool zeroTermsAll) : Query
{
    public override DocMatcher Bind(QueryContext ctx)
    {
        if (MetadataMatcher(ctx, field, "match", v => v == query.Text) is { } metadata)
        {
            return metadata;
        }

        if (ctx.Field(field) is not { } resolved)
        {
            return None;
        }

        if (resolved.Kind != FieldKind.Text)
        {
            try
            {
                return new TermQuery(field, query, false).Bind(ctx);
            }
            catch (Http.EsException) when (lenient)
            {
                return None;
            }
        }

        var tokens = TextAnalyzer.Tokenize(query.Text).Distinct(StringComparer.Ordinal).ToList();
        if (tokens.Count == 0)
        {
            return zeroTermsAll ? All : None;
        }

        var required = requireAll ? tokens.Count : MinimumShouldMatch.Resolve(minimumShouldMatch, tokens.Count, 1);
        var path = resolved.Path;
        return (StoredDoc doc, out double score) =>
        {
            score = 0;
            if (!doc.Fields.TryGetValue(path, out var values))
            {
                return false;
            }

            var matched = tokens.Count(t => Array.IndexOf(values.Strings, t) >= 0);
            score = matched;
            return matched > 0 && matched >= required;
        };
    }
}

internal sealed class ConstantScoreQuery(Query filter) : Query
{
    public override DocMatcher Bind(QueryContext ctx)
    {
        var inner = filter.Bind(ctx);
        return (StoredDoc doc, out double score) =>
        {
            score = 1;
            return inner(doc, out _);
        };
    }
}

internal sealed class BoolQuery(
    IReadOnlyList<Query> must,
    IReadOnlyList<Query> filter,
    IReadOnlyList<Query> should,
    IReadOnlyList<Query> mustNot,
    string? minimumShouldMatch) : Query
{
    public override DocMatcher Bind(QueryContext ctx)
    {
        if (must.Count + filter.Count + should.Count + mustNot.Count == 0)
        {
            return All;
        }

        var mustMatchers = must.Select(q => q.Bind(ctx)).ToList();
        var filterMatchers = filter.Select(q => q.Bind(ctx)).ToList();
        var shouldMatchers = should.Select(q => q.Bind(ctx)).ToList();
        var mustNotMatchers = mustNot.Select(q => q.Bind(ctx)).ToList();
        // Without must/filter clauses at least one should clause has to match (ES's default minimum_should_match).
        var fallback = must.Count + filter.Count == 0 ? 1 : 0;
        var requiredShould = should.Count == 0 ? 0 : MinimumShouldMatch.Resolve(minimumShouldMatch, should.Count, fallback);
        return (StoredDoc doc, out double score) =>
        {
            score = 0;
            foreach (var m in mustMatchers)
            {
                if (!m(doc, out var s))
                {
                    return false;
                }

                score += s;
            }

            foreach (var m in filterMatchers)
            {
                if (!m(doc, out _))
                {
                    return false;
                }
            }

            foreach (var m in mustNotMatchers)
            {
                if (m(doc, out _))
                {
                    return false;
                }
            }

            var matchedShould = 0;
            foreach (var m in shouldMatchers)
            {
                if (m(doc, out var s))
                {
                    matchedShould++;
                    score += s;
                }
            }

            return matchedShould >= requiredShould;
        };
    }
}

/// <summary>minimum_should_match: an integer, a negative integer, or a (negative) percentage.</summary>
internal static class MinimumShouldMatch
{
    public static int Resolve(string? spec, int optionalClauses, int fallback)
    {
        if (spec is null)
        {
            return fallback;
        }

        var text = spec.Trim();
        int result;
        if (text.EndsWith('%'))
        {
            var percent = int.Parse(text[..^1], System.Globalization.CultureInfo.InvariantCulture);
            var count = (int)(optionalClauses * Math.Abs(percent) / 100.0);
            result = percent < 0 ? optionalClauses - count : count;
        }
        else
        {
            var value = int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
            result = value < 0 ? optionalClauses + value : value;
        }

        return Math.Clamp(result, 0, optionalClauses);
    }
}
