using System.Globalization;
using System.Text.Json;
using S3Connector.EsTestServer.Http;

namespace S3Connector.EsTestServer.Indices;

/// <summary>
/// Index settings, normalised as ES stores them: flat "index.*" keys with string values. The ones this server
/// acts on are typed; other known settings are kept and printed back; unknown ones are rejected as in ES.
/// </summary>
internal sealed class IndexSettings
{
    // Settings ES knows that have no observable effect on a single in-memory node.
    private static readonly string[] InertPrefixes =
    [
        "index.analysis.", "index.routing.allocation.", "index.translog.", "index.lifecycle.", "index.query.",
        "index.search.", "index.similarity.",
    ];

    private static readonly HashSet<string> InertSettings = new(StringComparer.Ordinal)
    {
        "index.codec", "index.hidden", "index.priority", "index.number_of_routing_shards", "index.write.wait_for_active_shards",
        "index.unassigned.node_left.delayed_timeout", "index.max_terms_count", "index.max_inner_result_window",
        "index.mapping.depth.limit", "index.mapping.nested_fields.limit", "index.mapping.field_name_length.limit",
        "index.max_ngram_diff", "index.max_shingle_diff", "index.shard.check_on_startup", "index.routing.rebalance.enable",
        "index.max_docvalue_fields_search", "index.max_script_fields", "index.max_regex_length",
    };

    // Settings ES has whose behaviour this server does not reproduce.
    private static readonly string[] UnsupportedPrefixes = ["index.blocks.", "index.sort.", "index.mapping.coerce", "index.mapping.ignore_malformed", "index.mode"];

    private readonly List<KeyValuePair<string, JsonElement>> _flat;

    private IndexSettings(List<KeyValuePair<string, JsonElement>> flat)
    {
        _flat = flat;
        NumberOfShards = Int("index.number_of_shards", 1, min: 1, max: 1024);
        var autoExpand = String("index.auto_expand_replicas");
        // On one node auto-expansion settles on its lower bound.
        NumberOfReplicas = autoExpand is not null and not "false"
            ? int.Parse(autoExpand.Split('-')[0], CultureInfo.InvariantCulture)
            : Int("index.number_of_replicas", 1, min: 0, max: 1024);
        MaxResultWindow = Int("index.max_result_window", 10_000, min: 1, max: int.MaxValue);
        TotalFieldsLimit = Int("index.mapping.total_fields.limit", 1000, min: 0, max: int.MaxValue);
        DefaultPipeline = String("index.default_pipeline");
        FinalPipeline = String("index.final_pipeline");
        if (String("index.refresh_interval") is { } refresh)
        {
            HasRefreshInterval = true;
            RefreshInterval = TimeValue.Parse(refresh, "index.refresh_interval");
        }

        GcDeletes = TimeValue.Parse(String("index.gc_deletes") ?? DefaultGcDeletes, "index.gc_deletes");
    }

    private const string DefaultGcDeletes = "60s";

    public int NumberOfShards { get; }

    public int NumberOfReplicas { get; }

    public int MaxResultWindow { get; }

    public int TotalFieldsLimit { get; }

    public string? DefaultPipeline { get; }

    public string? FinalPipeline { get; }

    public bool HasRefreshInterval { get; }

    /// <summary>Null when the index's refresh_interval is -1 (periodic refresh disabled).</summary>
    public TimeSpan? RefreshInterval { get; }

    /// <summary>
    /// How long a delete's version outlives it (index.gc_deletes): older tombstones are ignored by versioned writes.
    /// Null for -1, which ES reads as minus one millisecond, so every tombstone is already expired.
    /// </summary>
    public TimeSpan? GcDeletes { get; }

    public IReadOnlyList<KeyValuePair<string, JsonElement>> Flat => _flat;

    /// <summary>
    /// Applies an update-settings body. Only dynamic settings may change on an open index; a null value resets
    /// a setting to its default, as in ES.
    /// </summary>
    public IndexSettings Update(JsonElement body, EsIndex index)
    {
        var changes = Parse(body.ValueKind == JsonValueKind.Object && body.TryGetProperty("settings", out var inner) ? inner : body);
        var isStatic = changes.Flat.Select(kv => kv.Key).Where(k => k is "index.number_of_shards" or "index.number_of_routing_shards" or "index.codec" || k.StartsWith("index.analysis.", StringComparison.Ordinal)).ToList();
        if (isStatic.Count > 0)
        {
            throw Errors.IllegalArgument($"Can't update non dynamic settings [[{string.Join(", ", isStatic)}]] for open indices [[{index.Name}/{index.Uuid}]]");
        }

        var merged = _flat.Where(kv => changes.Flat.All(c => c.Key != kv.Key))
            .Concat(changes.Flat.Where(kv => kv.Value.ValueKind != JsonValueKind.Null))
            .ToList();
        return new IndexSettings(merged);
    }

    public static IndexSettings Parse(JsonElement? settings)
    {
        var flat = new List<KeyValuePair<string, JsonElement>>();
        if (settings is { } element)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw Errors.IllegalArgument($"Expected map for property [settings] but got a {JsonIn.TokenName(element.ValueKind)}");
            }

            Flatten(element, string.Empty, flat);
        }

        var normalized = flat
            .Select(kv => new KeyValuePair<string, JsonElement>(kv.Key.StartsWith("index.", StringComparison.Ordinal) ? kv.Key : "index." + kv.Key, kv.Value))
            .GroupBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(g => g.Last())
            .ToList();
        foreach (var (key, _) in normalized)
        {
            Validate(key);
        }

        return new IndexSettings(normalized);
    }

    /// <summary>
    /// Writes the "settings" object of GET /{index}, adding the defaults ES always reports, and with
    /// include_defaults the "defaults" object beside it.
    /// </summary>
    public void WriteTo(Utf8JsonWriter w, EsIndex index, bool flat, bool includeDefaults)
    {
        var all = new SortedDictionary<string, object>(StringComparer.Ordinal)
        {
            ["index.creation_date"] = index.CreationDate.ToString(CultureInfo.InvariantCulture),
            ["index.number_of_replicas"] = NumberOfReplicas.ToString(CultureInfo.InvariantCulture),
            ["index.number_of_shards"] = NumberOfShards.ToString(CultureInfo.InvariantCulture),
            ["index.provided_name"] = index.Name,
            ["index.routing.allocation.include._tier_preference"] = "data_content",
            ["index.uuid"] = index.Uuid,
            ["index.version.created"] = "9033000",
        };
        foreach (var (key, value) in _flat)
        {
            all[key] = value.ValueKind == JsonValueKind.Array
                ? value.EnumerateArray().Select(ScalarText).ToList()
                : ScalarText(value);
        }

        WriteSection(w, "settings", all, flat);
        if (includeDefaults)
        {
            WriteDefaults(w, flat);
        }
    }

    /// <summary>
    /// The defaults of the settings this server acts on and the index does not set. ES lists every registered
    /// setting; clients filter_path the ones they read.
    /// </summary>
    private void WriteDefaults(Utf8JsonWriter w, bool flat)
    {
        var defaults = new SortedDictionary<string, object>(StringComparer.Ordinal)
        {
            ["index.gc_deletes"] = DefaultGcDeletes,
            ["index.mapping.total_fields.limit"] = "1000",
            ["index.max_result_window"] = "10000",
        };
        foreach (var (key, _) in _flat)
        {
            defaults.Remove(key);
        }

        WriteSection(w, "defaults", defaults, flat);
    }

    private static void WriteSection(Utf8JsonWriter w, string name, SortedDictionary<string, object> entries, bool flat)
    {
        w.WriteStartObject(name);
        if (flat)
        {
            foreach (var (key, value) in entries)
            {
                w.WritePropertyName(key);
                JsonOut.WriteValue(w, value);
            }
        }
        else
        {
            WriteNested(w, entries.Select(kv => (kv.Key.Split('.'), kv.Value)).ToList(), 0);
        }

        w.WriteEndObject();
    }

    private static void WriteNested(Utf8JsonWriter w, List<(string[] Path, object Value)> entries, int depth)
    {
        foreach (var group in entries.GroupBy(e => e.Path[depth], StringComparer.Ordinal))
        {
            var items = group.ToList();
            if (items.Count == 1 && items[0].Path.Length == depth + 1)
            {
                w.WritePropertyName(group.Key);
                JsonOut.WriteValue(w, items[0].Value);
                continue;
            }

            w.WriteStartObject(group.Key);
            WriteNested(w, items.Where(i => i.Path.Length > depth + 1).ToList(), depth + 1);
            w.WriteEndObject();
        }
    }

    private static void Flatten(JsonElement element, string prefix, List<KeyValuePair<string, JsonElement>> into)
    {
        foreach (var property in element.EnumerateObject())
        {
            var key = prefix.Length == 0 ? property.Name : $"{prefix}.{property.Name}";
            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                Flatten(property.Value, key, into);
            }
            else
            {
                into.Add(new(key, property.Value.Clone()));
            }
        }
    }

    private static void Validate(string key)
    {
        if (UnsupportedPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal)))
        {
            throw Errors.Unsupported($"index setting [{key}]");
        }

        var known = key is "index.number_of_shards" or "index.number_of_replicas" or "index.auto_expand_replicas"
            or "index.refresh_interval" or "index.max_result_window" or "index.default_pipeline" or "index.final_pipeline"
            or "index.mapping.total_fields.limit" or "index.gc_deletes" or "index.provided_name" or "index.creation_date" or "index.uuid"
            or "index.version.created";
        if (!known && !InertSettings.Contains(key) && !InertPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal)))
        {
            throw Errors.IllegalArgument($"unknown setting [{key}] please check that any required plugins are installed, or check the breaking changes documentation for removed settings");
        }
    }

    private string? String(string key) =>
        _flat.Where(kv => kv.Key == key && kv.Value.ValueKind != JsonValueKind.Null).Select(kv => ScalarText(kv.Value)).LastOrDefault();

    private int Int(string key, int fallback, int min, int max)
    {
        var text = String(key);
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw Errors.IllegalArgument($"Failed to parse value [{text}] for setting [{key}]");
        }

        if (value < min)
        {
            throw Errors.IllegalArgument($"Failed to parse value [{text}] for setting [{key}] must be >= {min}");
        }

        return value <= max ? value : throw Errors.IllegalArgument($"Failed to parse value [{text}] for setting [{key}] must be <= {max}");
    }

    private static string ScalarText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null => "null",
        _ => value.GetRawText(),
    };
}
