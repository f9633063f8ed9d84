using System.Globalization;
using System.Text.Json;
using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices.Mapping;

namespace S3Connector.EsTestServer.Search;

/// <summary>
/// Parses the query DSL with ES's structural errors (parsing_exception with line/col). Query types ES has but
/// this server does not implement are rejected as unsupported rather than reported as unknown.
/// </summary>
internal sealed class QueryParser(BodyContext context)
{
    private static readonly HashSet<string> KnownUnsupported = new(StringComparer.Ordinal)
    {
        "boosting", "combined_fields", "dis_max", "distance_feature", "function_score", "fuzzy", "geo_bounding_box",
        "geo_distance", "geo_grid", "geo_polygon", "geo_shape", "has_child", "has_parent", "intervals", "knn",
        "match_bool_prefix", "match_phrase", "match_phrase_prefix", "more_like_this", "multi_match", "nested",
        "parent_id", "percolate", "pinned", "query_string", "rank_feature", "regexp", "rule", "script",
        "script_score", "semantic", "shape", "simple_query_string", "span_containing", "span_field_masking",
        "span_first", "span_multi", "span_near", "span_not", "span_or", "span_term", "span_within",
        "sparse_vector", "terms_set", "text_expansion", "weighted_tokens", "wrapper", "type", "common",
    };

    public Query Parse(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw context.Parsing("[_na] query malformed, must start with start_object");
        }

        var properties = element.EnumerateObject().ToList();
        if (properties.Count == 0)
        {
            throw context.Parsing($"query malformed, empty clause found at [{context.Position}]");
        }

        if (properties.Count > 1)
        {
            using var second = context.Enter(properties[1].Name);
            throw context.Parsing($"[{properties[0].Name}] malformed query, expected [END_OBJECT] but found [FIELD_NAME]");
        }

        var name = properties[0].Name;
        using var scope = context.Enter(name);
        var body = properties[0].Value;
        return name switch
        {
            "match_all" => ParseSimple(name, body, () => new MatchAllQuery()),
            "match_none" => ParseSimple(name, body, () => new MatchNoneQuery()),
            "term" => ParseTerm(body),
            "terms" => ParseTerms(body),
            "ids" => ParseIds(body),
            "range" => ParseRange(body),
            "exists" => ParseExists(body),
            "prefix" => ParsePatternQuery(name, body, "value", (f, v, ci) => new PrefixQuery(f, v, ci)),
            "wildcard" => ParsePatternQuery(name, body, "wildcard", (f, v, ci) => new WildcardQuery(f, v, ci)),
            "match" => ParseMatch(body),
            "bool" => ParseBool(body),
            "constant_score" => ParseConstantScore(body),
            _ when KnownUnsupported.Contains(name) => throw Errors.Unsupported($"the [{name}] query"),
            _ => throw UnknownQuery(name),
        };
    }

    private EsException UnknownQuery(string name)
    {
        var at = context.Position;
        var cause = new EsException(400, "named_object_not_found_exception", $"[{at}] unknown field [{name}]");
        var error = new EsException(400, "parsing_exception", $"unknown query [{name}]", cause);
        return at is { } p ? error.With("line", p.Line).With("col", p.Column) : error;
    }

    private Query ParseSimple(string name, JsonElement body, Func<Query> create)
    {
        var boost = 1.0;
        foreach (var property in RequireObject(name, body))
        {
            using var scope = context.Enter(property.Name);
            boost = property.Name == "boost" ? Boost(property.Value) : throw DoesNotSupport(name, property.Name);
        }

        return With(create(), boost);
    }

    private Query ParseTerm(JsonElement body)
    {
        var (field, value) = SingleField("term", body);
        using var scope = context.Enter(field);
        if (value.ValueKind != JsonValueKind.Object)
        {
            return new TermQuery(field, ScalarValue("term", value), false);
        }

        Scalar? term = null;
        var caseInsensitive = false;
        var boost = 1.0;
        foreach (var property in value.EnumerateObject())
        {
            using var inner = context.Enter(property.Name);
            switch (property.Name)
            {
                case "value": term = ScalarValue("term", property.Value); break;
                case "boost": boost = Boost(property.Value); break;
                case "case_insensitive": caseInsensitive = Bool(property.Value); break;
                default: throw DoesNotSupport("term", property.Name);
            }
        }

        return With(new TermQuery(field, term ?? throw context.Parsing("value cannot be null"), caseInsensitive), boost);
    }

    private Query ParseTerms(JsonElement body)
    {
        string? field = null;
        List<Scalar>? values = null;
        var boost = 1.0;
        foreach (var property in RequireObject("terms", body))
        {
            using var scope = context.Enter(property.Name);
            switch (property.Name)
            {
                case "boost":
                    boost = Boost(property.Value);
                    break;
                case var name when property.Value.ValueKind == JsonValueKind.Array:
                    if (field is not null)
                    {
                        throw context.Parsing("[terms] query does not support multiple fields");
                    }

                    field = name;
                    values = property.Value.EnumerateArray().Select((v, i) =>
                    {
                        using var item = context.Enter(i);
                        return ScalarValue("terms", v);
                    }).ToList();
                    break;
                case var name when property.Value.ValueKind == JsonValueKind.Object:
                    throw Errors.Unsupported($"terms lookup (field [{name}])");
                default:
                    throw DoesNotSupport("terms", property.Name);
            }
        }

        return With(new TermsQuery(field ?? throw context.Parsing("[terms] query requires a field"), values!), boost);
    }

    private Query ParseIds(JsonElement body)
    {
        var ids = new List<string>();
        var boost = 1.0;
        foreach (var property in RequireObject("ids", body))
        {
            using var scope = context.Enter(property.Name);
            switch (property.Name)
            {
                case "values" when property.Value.ValueKind == JsonValueKind.Array:
                    ids.AddRange(property.Value.EnumerateArray().Select(v => Scalar.From(v).Text));
                    break;
                case "boost":
                    boost = Boost(property.Value);
                    break;
                default:
                    throw context.XContent($"[ids] unknown field [{property.Name}]");
            }
        }

        return With(new IdsQuery(ids), boost);
    }

    private Query ParseRange(JsonElement body)
    {
        var (field, value) = SingleField("range", body);
        using var scope = context.Enter(field);
        Scalar? lower = null, upper = null;
        bool includeLower = true, includeUpper = true;
        string? format = null, timeZone = null;
        var boost = 1.0;
        foreach (var property in RequireObject("range", value))
        {
            using var inner = context.Enter(property.Name);
            switch (property.Name)
            {
                case "gt": lower = Bound(property.Value); includeLower = false; break;
                case "gte": lower = Bound(property.Value); includeLower = true; break;
                case "lt": upper = Bound(property.Value); includeUpper = false; break;
                case "lte": upper = Bound(property.Value); includeUpper = true; break;
                case "from": lower = Bound(property.Value); break;
                case "to": upper = Bound(property.Value); break;
                case "include_lower": includeLower = Bool(property.Value); break;
                case "include_upper": includeUpper = Bool(property.Value); break;
                case "format": format = property.Value.GetString(); break;
                case "time_zone": timeZone = property.Value.GetString(); break;
                case "boost": boost = Boost(property.Value); break;
                case "relation" when property.Value.GetString() is "intersects" or "INTERSECTS": break;
                case "relation": throw Errors.Unsupported("range [relation] other than intersects");
                default: throw context.Parsing($"[range] query does not support [{property.Name}]");
            }
        }

        return With(new RangeQuery(field, new RangeBounds(lower, includeLower, upper, includeUpper, format, timeZone)), boost);
    }

    private Query ParseExists(JsonElement body)
    {
        string? field = null;
        var boost = 1.0;
        foreach (var property in RequireObject("exists", body))
        {
            using var scope = context.Enter(property.Name);
            switch (property.Name)
            {
                case "field": field = property.Value.GetString(); break;
                case "boost": boost = Boost(property.Value); break;
                default: throw context.Parsing($"[exists] query does not support [{property.Name}]");
            }
        }

        return With(new ExistsQuery(field ?? throw context.Parsing("[exists] must be provided with a [field]")), boost);
    }

    private Query ParsePatternQuery(string name, JsonElement body, string valueKey, Func<string, string, bool, Query> create)
    {
        var (field, value) = SingleField(name, body);
        using var scope = context.Enter(field);
        if (value.ValueKind != JsonValueKind.Object)
        {
            return create(field, ScalarValue(name, value).Text, false);
        }

        string? pattern = null;
        var caseInsensitive = false;
        var boost = 1.0;
        foreach (var property in value.EnumerateObject())
        {
            using var inner = context.Enter(property.Name);
            switch (property.Name)
            {
                case "value":
                case var key when key == valueKey:
                    pattern = ScalarValue(name, property.Value).Text;
                    break;
                case "case_insensitive": caseInsensitive = Bool(property.Value); break;
                case "boost": boost = Boost(property.Value); break;
                case "rewrite": break;
                default: throw DoesNotSupport(name, property.Name);
            }
        }

        return With(create(field, pattern ?? throw context.Parsing($"No value specified for {name} query"), caseInsensitive), boost);
    }

    private Query ParseMatch(JsonElement body)
    {
        var (field, value) = SingleField("match", body);
        using var scope = context.Enter(field);
        if (value.ValueKind != JsonValueKind.Object)
        {
            return new MatchQuery(field, ScalarValue("match", value), false, null, false, false);
        }

        Scalar? query = null;
        string? minimumShouldMatch = null;
        bool requireAll = false, lenient = false, zeroTermsAll = false;
        var boost = 1.0;
        foreach (var property in value.EnumerateObject())
        {
            using var inner = context.Enter(property.Name);
            switch (property.Name)
            {
                case "query": query = ScalarValue("match", property.Value); break;
                case "operator": requireAll = property.Value.GetString()?.ToLowerInvariant() == "and"; break;
                case "minimum_should_match": minimumShouldMatch = Scalar.From(property.Value).Text; break;
                case "lenient": lenient = Bool(property.Value); break;
                case "zero_terms_query": zeroTermsAll = property.Value.GetString()?.ToLowerInvariant() == "all"; break;
                case "boost": boost = Boost(property.Value); break;
                case "auto_generate_synonyms_phrase_query" or "max_expansions" or "prefix_length": break;
                case "analyzer" when property.Value.GetString() is "standard" or "default": break;
                case "analyzer" or "fuzziness" or "fuzzy_transpositions" or "fuzzy_rewrite" or "cutoff_frequency":
                    throw Errors.Unsupported($"[match] option [{property.Name}]");
                default: throw context.Parsing($"[match] query does not support [{property.Name}]");
            }
        }

        var match = new MatchQuery(field, query ?? throw context.Parsing("No text specified for text query"), requireAll, minimumShouldMatch, lenient, zeroTermsAll);
        return With(match, boost);
    }

    private Query ParseBool(JsonElement body)
    {
        List<Query> must = [], filter = [], should = [], mustNot = [];
        string? minimumShouldMatch = null;
        var boost = 1.0;
        foreach (var property in RequireObject("bool", body))
        {
            using var scope = context.Enter(property.Name);
            switch (property.Name)
            {
                case "must": must.AddRange(Clauses(property.Value)); break;
                case "filter": filter.AddRange(Clauses(property.Value)); break;
                case "should": should.AddRange(Clauses(property.Value)); break;
                case "must_not" or "mustNot": mustNot.AddRange(Clauses(property.Value)); break;
                case "minimum_should_match": minimumShouldMatch = Scalar.From(property.Value).Text; break;
                case "boost": boost = Boost(property.Value); break;
                case "adjust_pure_negative": break;
                default: throw context.Parsing($"[bool] query does not support [{property.Name}]");
            }
        }

        return With(new BoolQuery(must, filter, should, mustNot, minimumShouldMatch), boost);
    }

    private Query ParseConstantScore(JsonElement body)
    {
        Query? filter = null;
        var boost = 1.0;
        foreach (var property in RequireObject("constant_score", body))
        {
            using var scope = context.Enter(property.Name);
            switch (property.Name)
            {
                case "filter": filter = Parse(property.Value); break;
                case "boost": boost = Boost(property.Value); break;
                default: throw context.Parsing($"[constant_score] query does not support [{property.Name}]");
            }
        }

        return With(new ConstantScoreQuery(filter ?? throw context.Parsing("[constant_score] requires a 'filter' element")), boost);
    }

    /// <summary>bool clauses accept a single query object or an array of them.</summary>
    private IEnumerable<Query> Clauses(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            var result = new List<Query>();
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                using var scope = context.Enter(i++);
                result.Add(Parse(item));
            }

            return result;
        }

        return [Parse(value)];
    }

    private (string Field, JsonElement Value) SingleField(string query, JsonElement body)
    {
        var properties = RequireObject(query, body).ToList();
        var fields = properties.Where(p => p.Name is not ("boost" or "_name")).ToList();
        if (fields.Count == 0)
        {
            throw context.Parsing($"[{query}] query doesn't support multiple fields, found [] and []");
        }

        if (fields.Count > 1)
        {
            using var scope = context.Enter(fields[1].Name);
            throw context.Parsing($"[{query}] query doesn't support multiple fields, found [{fields[0].Name}] and [{fields[1].Name}]");
        }

        if (properties.Any(p => p.Name == "_name"))
        {
            throw Errors.Unsupported("named queries ([_name])");
        }

        return (fields[0].Name, fields[0].Value);
    }

    private IEnumerable<JsonProperty> RequireObject(string query, JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw context.Parsing($"[{query}] query malformed, no start_object after query name");
        }

        foreach (var property in body.EnumerateObject())
        {
            if (property.Name == "_name")
            {
                throw Errors.Unsupported("named queries ([_name])");
            }

            yield return property;
        }
    }

    private Scalar ScalarValue(string query, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => Scalar.From(value),
        JsonValueKind.Null => throw context.Parsing($"[{query}] query value cannot be null"),
        _ => throw context.Parsing($"[{query}] query does not support [{JsonIn.TokenName(value.ValueKind)}]"),
    };

    private static Scalar? Bound(JsonElement value) => value.ValueKind == JsonValueKind.Null ? null : Scalar.From(value);

    private EsException DoesNotSupport(string query, string parameter) =>
        context.Parsing($"[{query}] query does not support [{parameter}]");

    private double Boost(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => throw context.Parsing("[boost] must be a number"),
    };

    private bool Bool(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String when value.GetString() is "true" or "false" => value.GetString() == "true",
        _ => throw context.Parsing($"Failed to parse value [{value}] as only [true] or [false] are allowed."),
    };

    private static Query With(Query query, double boost) => boost == 1 ? query : new BoostedQuery(query, boost);
}
