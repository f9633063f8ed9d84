using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices.Mapping;

namespace S3Connector.EsTestServer.Documents;

/// <summary>The indexed form of a source document, plus the mapping with any dynamically added fields.</summary>
internal sealed record ParsedDocument(
    IReadOnlyDictionary<string, FieldValues> Fields,
    IReadOnlyList<string> Ignored,
    RootMapping? UpdatedMapping);

/// <summary>
/// Indexes a source document against a mapping as ES's DocumentParser does: values are converted per mapped type
/// (failures become <c>document_parsing_exception</c> with ES's reason and position), unmapped fields are mapped
/// dynamically (string → text + keyword or date, integer → long, decimal → float, ...), and dynamic
/// false/strict, ignore_above, ignore_malformed, null_value, multi-fields and flattened fields are honoured.
/// </summary>
internal sealed class DocumentParser
{
    private static readonly HashSet<string> MetadataFields = new(StringComparer.Ordinal)
    {
        "_id", "_index", "_routing", "_source", "_seq_no", "_primary_term", "_version", "_ignored", "_field_names",
        "_tier", "_data_stream_timestamp", "_nested_path", "_doc_count",
    };

    private static readonly DateFormat IsoDetection = DateFormat.Parse("strict_date_optional_time");
    private static readonly DateFormat SlashDetection = DateFormat.Parse("yyyy/MM/dd HH:mm:ss||yyyy/MM/dd");
    private static readonly JsonElement IgnoreAbove256 = JsonDocument.Parse("256").RootElement.Clone();
    private static readonly JsonElement SlashFormat = JsonDocument.Parse("\"yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis\"").RootElement.Clone();

    private readonly RootMapping _mapping;
    private readonly byte[] _source;
    private readonly string _id;
    private readonly Dictionary<string, Mapper> _added = new(StringComparer.Ordinal);
    private readonly List<string> _addedOrder = [];
    private readonly Dictionary<string, ValueBuilder> _values = new(StringComparer.Ordinal);
    private readonly List<string> _ignored = [];

    private DocumentParser(RootMapping mapping, byte[] source, string id)
    {
        _mapping = mapping;
        _source = source;
        _id = id;
    }

    public static ParsedDocument Parse(RootMapping mapping, byte[] source, string id, int totalFieldsLimit)
    {
        var parser = new DocumentParser(mapping, source, id);
        parser.Run();
        return parser.Result(totalFieldsLimit);
    }

    private void Run()
    {
        var reader = new Utf8JsonReader(_source, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            if (!reader.Read())
            {
                throw new EsException(400, "document_parsing_exception", "failed to parse, document is empty");
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw DocumentError(reader.TokenStartIndex, "failed to parse: Malformed content, must start with an object");
            }

            ParseObject(ref reader, _mapping.Root, string.Empty, _mapping.Dynamic);
            if (reader.Read())
            {
                throw DocumentError(reader.TokenStartIndex, "failed to parse: Malformed content, found extra data after parsing");
            }
        }
        catch (JsonException e)
        {
            var reason = JsonIn.CleanMessage(e);
            var at = JsonIn.PositionOf(e);
            throw new EsException(400, "document_parsing_exception", $"[{at}] failed to parse: {reason}",
                Errors.Java("json_parse_exception", reason));
        }
    }

    private ParsedDocument Result(int totalFieldsLimit)
    {
        RootMapping? updated = null;
        if (_addedOrder.Count > 0)
        {
            var root = _mapping.Root;
            foreach (var path in _addedOrder)
            {
                root = MappingMerger.Insert(root, path.Split('.'), _added[path]);
            }

            updated = _mapping.WithRoot(root);
            if (updated.TotalFieldCount > totalFieldsLimit)
            {
                throw Errors.IllegalArgument($"Limit of total fields [{totalFieldsLimit}] has been exceeded while adding new fields [{_addedOrder.Count}]");
            }
        }

        var fields = _values.ToDictionary(kv => kv.Key, kv => kv.Value.Build(), StringComparer.Ordinal);
        return new ParsedDocument(fields, _ignored.Distinct(StringComparer.Ordinal).ToList(), updated);
    }

    private void ParseObject(ref Utf8JsonReader reader, ObjectMapper? obj, string path, DynamicMode dynamic)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var nameOffset = reader.TokenStartIndex;
            var name = reader.GetString()!;
            if (!seen.Add(name))
            {
                throw new EsException(400, "document_parsing_exception", $"[{Position(nameOffset)}] failed to parse: Duplicate field '{name}'",
                    Errors.Java("json_parse_exception", $"Duplicate field '{name}'"));
            }

            reader.Read();
            ParseField(ref reader, obj, path, name, nameOffset, dynamic);
        }
    }

    private void ParseField(ref Utf8JsonReader reader, ObjectMapper? parent, string parentPath, string name, long nameOffset, DynamicMode dynamic)
    {
        if (name.Length == 0)
        {
            throw DocumentError(nameOffset, "failed to parse: field name cannot be an empty string");
        }

        if (name.Trim('.').Length == 0)
        {
            throw DocumentError(nameOffset, $"failed to parse: field name cannot contain only dots: [{name}]");
        }

        if (parentPath.Length == 0 && MetadataFields.Contains(name))
        {
            throw DocumentError(nameOffset, $"Field [{name}] is a metadata field and cannot be added inside a document. Use the index API request parameters.");
        }

        // ES expands dotted field names into objects.
        var parts = name.Split('.');
        for (var i = 0; i < parts.Length - 1; i++)
        {
            var childPath = Join(parentPath, parts[i]);
            switch (Lookup(parent, childPath, parts[i]))
            {
                case ObjectMapper obj:
                    parent = obj;
                    dynamic = obj.Dynamic ?? dynamic;
                    break;
                case FieldMapper field:
                    throw DocumentError(nameOffset, $"Could not dynamically add mapping for field [{name}]. Existing mapping for [{childPath}] must be of type object but found [{field.Type}].");
                default:
                    if (dynamic == DynamicMode.Strict)
                    {
                        throw StrictError(nameOffset, parts[i], parentPath);
                    }

                    if (dynamic == DynamicMode.False)
                    {
                        reader.Skip();
                        return;
                    }

                    var created = new ObjectMapper(parts[i], ObjectMapper.NoProperties, null, true);
                    Add(childPath, created);
                    parent = created;
                    break;
            }

            parentPath = childPath;
        }

        var leaf = parts[^1];
        var path = Join(parentPath, leaf);
        ParseValue(ref reader, Lookup(parent, path, leaf), path, leaf, parentPath, dynamic);
    }

    private void ParseValue(ref Utf8JsonReader reader, Mapper? mapper, string path, string name, string parentPath, DynamicMode dynamic)
    {
        var offset = reader.TokenStartIndex;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartArray:
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    // The first element may have mapped the field dynamically.
                    mapper ??= _added.GetValueOrDefault(path);
                    ParseValue(ref reader, mapper, path, name, parentPath, dynamic);
                }

                break;
            case JsonTokenType.StartObject:
                ParseObjectValue(ref reader, mapper, path, name, parentPath, dynamic, offset);
                break;
            case JsonTokenType.Null:
                if (mapper is FieldMapper { NullValue: { } nullValue } withNull)
                {
                    IndexScalar(withNull, path, Scalar.From(nullValue), offset);
                }

                break;
            default:
                var scalar = new Scalar(reader.TokenType, reader.TokenType == JsonTokenType.String
                    ? reader.GetString()!
                    : Encoding.UTF8.GetString(reader.ValueSpan));
                switch (mapper)
                {
                    case ObjectMapper:
                        throw DocumentError(offset, $"object mapping for [{path}] tried to parse field [{name}] as object, but found a concrete value");
                    case FieldMapper field:
                        IndexScalar(field, path, scalar, offset);
                        break;
                    case null when dynamic == DynamicMode.True:
                        var inferred = InferMapper(name, scalar);
                        Add(path, inferred);
                        IndexScalar(inferred, path, scalar, offset);
                        break;
                    case null when dynamic == DynamicMode.Strict:
                        throw StrictError(offset, name, parentPath);
                }

                break;
        }
    }

    private void ParseObjectValue(ref Utf8JsonReader reader, Mapper? mapper, string path, string name, string parentPath, DynamicMode dynamic, long offset)
    {
        switch (mapper)
        {
            case ObjectMapper { Enabled: false }:
                reader.Skip();
                break;
            case ObjectMapper obj:
                ParseObject(ref reader, obj, path, obj.Dynamic ?? dynamic);
                break;
            case FieldMapper { Kind: FieldKind.Flattened } flattened:
                ParseFlattened(ref reader, flattened, path, string.Empty);
                break;
            case FieldMapper field:
                var position = Position(offset);
                using (var value = JsonDocument.ParseValue(ref reader))
                {
                    if (field.IgnoreMalformed)
                    {
                        _ignored.Add(path);
                        break;
                    }

                    throw FieldError(field, path, offset, MappingParser.JavaText(value.RootElement),
                        Errors.Java("illegal_state_exception", $"Can't get text on a START_OBJECT at {position}"));
                }

            case null when dynamic == DynamicMode.True:
                var created = new ObjectMapper(name, ObjectMapper.NoProperties, null, true);
                Add(path, created);
                ParseObject(ref reader, created, path, dynamic);
                break;
            case null when dynamic == DynamicMode.Strict:
                throw StrictError(offset, name, parentPath);
            default:
                reader.Skip();
                break;
        }
    }

    /// <summary>Flattened fields index every leaf as a keyword, both under the field and under its dotted key.</summary>
    private void ParseFlattened(ref Utf8JsonReader reader, FieldMapper field, string rootPath, string keyPrefix)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = keyPrefix.Length == 0 ? reader.GetString()! : $"{keyPrefix}.{reader.GetString()}";
            reader.Read();
            ParseFlattenedValue(ref reader, field, rootPath, key);
        }
    }

    private void ParseFlattenedValue(ref Utf8JsonReader reader, FieldMapper field, string rootPath, string key)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                ParseFlattened(ref reader, field, rootPath, key);
                break;
            case JsonTokenType.StartArray:
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    ParseFlattenedValue(ref reader, field, rootPath, key);
                }

                break;
            case JsonTokenType.Null:
                break;
            default:
                var text = reader.TokenType == JsonTokenType.String ? reader.GetString()! : Encoding.UTF8.GetString(reader.ValueSpan);
                if (field.IgnoreAbove is { } limit && text.Length > limit)
                {
                    _ignored.Add(rootPath);
                    break;
                }

                Values(rootPath).Strings.Add(text);
                Values($"{rootPath}.{key}").Strings.Add(text);
                break;
        }
    }

    private void IndexScalar(FieldMapper field, string path, Scalar scalar, long offset)
    {
        IndexOne(field, path, scalar, offset);
        foreach (var (subName, sub) in field.MultiFields)
        {
            IndexOne(sub, $"{path}.{subName}", scalar, offset);
        }
    }

    private void IndexOne(FieldMapper field, string path, Scalar scalar, long offset)
    {
        try
        {
            AddValue(field, path, scalar, offset);
        }
        catch (EsException cause) when (cause.IsJavaException)
        {
            if (field.IgnoreMalformed)
            {
                _ignored.Add(path);
                return;
            }

            throw FieldError(field, path, offset, scalar.Text, cause);
        }
    }

    private void AddValue(FieldMapper field, string path, Scalar scalar, long offset)
    {
        var emptyString = scalar.Token == JsonTokenType.String && scalar.Text.Length == 0;
        switch (field.Kind)
        {
            case FieldKind.Keyword or FieldKind.Flattened:
                if (field.IgnoreAbove is { } limit && scalar.Text.Length > limit)
                {
                    _ignored.Add(path);
                    return;
                }

                Values(path).Strings.Add(scalar.Text);
                break;
            case FieldKind.Text:
                Values(path).Strings.AddRange(TextAnalyzer.Tokenize(scalar.Text));
                break;
            case FieldKind.Long when scalar.IsBoolean:
            case FieldKind.Double when scalar.IsBoolean:
                throw Errors.Java("x_content_parse_exception", $"[{Position(offset)}] Current token ({scalar.JacksonToken}) not numeric, can not use numeric value accessors");
            case FieldKind.Long when !emptyString:
                Values(path).Longs.Add(ValueParsing.ParseLong(scalar.Text, field.Type, field.Coerce));
                break;
            case FieldKind.Double when !emptyString:
                var value = ValueParsing.ParseDouble(scalar.Text, field.Type);
                Values(path).Doubles.Add(field.Type == "scaled_float" ? ValueParsing.Scale(value, field.ScalingFactor) : value);
                break;
            case FieldKind.Date:
                Values(path).Longs.Add(ValueParsing.ParseDate(scalar.Text, field.DateFormat));
                break;
            case FieldKind.Boolean when scalar.Token == JsonTokenType.Number:
                throw Errors.Java("x_content_parse_exception", $"[{Position(offset)}] Current token ({scalar.JacksonToken}) not of boolean type");
            case FieldKind.Boolean when !emptyString:
                Values(path).Longs.Add(ValueParsing.ParseBoolean(scalar.Text) ? 1 : 0);
                break;
            case FieldKind.Binary:
                if (scalar.Token != JsonTokenType.String || !Convert.TryFromBase64String(scalar.Text, new byte[scalar.Text.Length], out _))
                {
                    throw Errors.Java("illegal_argument_exception", $"Failed to decode {scalar.JacksonToken} as base64 (MIME-NO-LINEFEEDS)");
                }

                Values(path).Strings.Add(scalar.Text);
                break;
        }
    }

    private FieldMapper InferMapper(string name, Scalar scalar)
    {
        var noFields = FieldMapper.NoMultiFields;
        switch (scalar.Token)
        {
            case JsonTokenType.True or JsonTokenType.False:
                return new FieldMapper(name, "boolean", FieldKind.Boolean, [], noFields);
            case JsonTokenType.Number:
                return scalar.Text.IndexOfAny(['.', 'e', 'E']) >= 0
                    ? new FieldMapper(name, "float", FieldKind.Double, [], noFields)
                    : new FieldMapper(name, "long", FieldKind.Long, [], noFields);
        }

        var text = scalar.Text;
        // ES only tries date detection on strings that look like dates ("1" would parse as a year).
        if (_mapping.DateDetection && text.AsSpan().IndexOfAny(":-/") >= 0 && DetectDate(name, text) is { } date)
        {
            return date;
        }

        if (_mapping.NumericDetection)
        {
            if (long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                return new FieldMapper(name, "long", FieldKind.Long, [], noFields);
            }

            if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                return new FieldMapper(name, "float", FieldKind.Double, [], noFields);
            }
        }

        var keyword = new FieldMapper("keyword", "keyword", FieldKind.Keyword, [new("ignore_above", IgnoreAbove256)], noFields) { IgnoreAbove = 256 };
        return new FieldMapper(name, "text", FieldKind.Text, [], ImmutableSortedDictionary.Create<string, FieldMapper>(StringComparer.Ordinal).Add("keyword", keyword))
        {
            DocValues = false,
        };
    }

    /// <summary>
    /// Tries the root's dynamic_date_formats in order (ES's defaults when unset); the matching format becomes
    /// the new field's format, except strict_date_optional_time which ES leaves implicit.
    /// </summary>
    private FieldMapper? DetectDate(string name, string text)
    {
        if (_mapping.Parameter("dynamic_date_formats") is not { ValueKind: JsonValueKind.Array } formats)
        {
            if (IsoDetection.TryParse(text, false, out _))
            {
                return new FieldMapper(name, "date", FieldKind.Date, [], FieldMapper.NoMultiFields);
            }

            return SlashDetection.TryParse(text, false, out _)
                ? new FieldMapper(name, "date", FieldKind.Date, [new("format", SlashFormat)], FieldMapper.NoMultiFields) { DateFormat = DateFormat.Parse(SlashFormat.GetString()!) }
                : null;
        }

        foreach (var format in formats.EnumerateArray())
        {
            var pattern = format.GetString() ?? string.Empty;
            DateFormat parsed;
            try
            {
                parsed = DateFormat.Parse(pattern);
            }
            catch (FormatException)
            {
                throw Errors.Unsupported($"dynamic date format [{pattern}]");
            }

            if (parsed.TryParse(text, false, out _))
            {
                return new FieldMapper(name, "date", FieldKind.Date, [new("format", format.Clone())], FieldMapper.NoMultiFields) { DateFormat = parsed };
            }
        }

        return null;
    }

    private Mapper? Lookup(ObjectMapper? parent, string path, string name) =>
        _added.TryGetValue(path, out var added) ? added : parent?.Properties.GetValueOrDefault(name);

    private void Add(string path, Mapper mapper)
    {
        _added[path] = mapper;
        _addedOrder.Add(path);
    }

    private ValueBuilder Values(string path)
    {
        if (!_values.TryGetValue(path, out var builder))
        {
            builder = new ValueBuilder();
            _values[path] = builder;
        }

        return builder;
    }

    private string Position(long offset) => JsonIn.PositionAt(_source, offset).ToString();

    private EsException DocumentError(long offset, string reason) =>
        new(400, "document_parsing_exception", $"[{Position(offset)}] {reason}");

    private EsException StrictError(long offset, string name, string parentPath) =>
        new(400, "strict_dynamic_mapping_exception",
            $"[{Position(offset)}] mapping set to strict, dynamic introduction of [{name}] within [{(parentPath.Length == 0 ? "_doc" : parentPath)}] is not allowed");

    private EsException FieldError(FieldMapper field, string path, long offset, string preview, EsException cause) =>
        new(400, "document_parsing_exception",
            $"[{Position(offset)}] failed to parse field [{path}] of type [{field.Type}] in document with id '{_id}'. Preview of field's value: '{preview}'",
            cause);

    private static string Join(string parent, string name) => parent.Length == 0 ? name : $"{parent}.{name}";

    private sealed class ValueBuilder
    {
        public List<string> Strings { get; } = [];

        public List<long> Longs { get; } = [];

        public List<double> Doubles { get; } = [];

        public FieldValues Build() => new() { Strings = [.. Strings], Longs = [.. Longs], Doubles = [.. Doubles] };
    }
}
