using System.Collections.Immutable;
using System.Text.Json;

namespace S3Connector.EsTestServer.Indices.Mapping;

/// <summary>How a mapped leaf field is indexed, which decides how queries, sorts and aggregations read it.</summary>
internal enum FieldKind
{
    Keyword,
    Text,
    Long,
    Double,
    Date,
    Boolean,
    Binary,
    Flattened,
}

internal enum DynamicMode
{
    True,
    False,
    Strict,
}

/// <summary>A node of an index mapping. Mappers are immutable; mapping updates build new trees.</summary>
internal abstract class Mapper(string name)
{
    public string Name { get; } = name;
}

internal sealed class ObjectMapper(
    string name,
    ImmutableSortedDictionary<string, Mapper> properties,
    DynamicMode? dynamic,
    bool enabled) : Mapper(name)
{
    public static readonly ImmutableSortedDictionary<string, Mapper> NoProperties =
        ImmutableSortedDictionary.Create<string, Mapper>(StringComparer.Ordinal);

    /// <summary>Sorted ordinally: ES prints properties in name order.</summary>
    public ImmutableSortedDictionary<string, Mapper> Properties { get; } = properties;

    /// <summary>Null inherits the parent's setting.</summary>
    public DynamicMode? Dynamic { get; } = dynamic;

    public bool Enabled { get; } = enabled;

    public ObjectMapper WithProperty(Mapper mapper) => new(Name, Properties.SetItem(mapper.Name, mapper), Dynamic, Enabled);
}

internal sealed class FieldMapper(
    string name,
    string type,
    FieldKind kind,
    IReadOnlyList<KeyValuePair<string, JsonElement>> parameters,
    ImmutableSortedDictionary<string, FieldMapper> multiFields) : Mapper(name)
{
    public static readonly ImmutableSortedDictionary<string, FieldMapper> NoMultiFields =
        ImmutableSortedDictionary.Create<string, FieldMapper>(StringComparer.Ordinal);

    /// <summary>The ES type name ("integer", "scaled_float"), which decides ranges and precision.</summary>
    public string Type { get; } = type;

    public FieldKind Kind { get; } = kind;

    /// <summary>Parameters as given (without type and fields), printed back by GET _mapping.</summary>
    public IReadOnlyList<KeyValuePair<string, JsonElement>> Parameters { get; } = parameters;

    public ImmutableSortedDictionary<string, FieldMapper> MultiFields { get; } = multiFields;

    public int? IgnoreAbove { get; init; }

    public DateFormat DateFormat { get; init; } = DateFormat.Default;

    public bool Indexed { get; init; } = true;

    public bool DocValues { get; init; } = true;

    public bool Coerce { get; init; } = true;

    public bool IgnoreMalformed { get; init; }

    public JsonElement? NullValue { get; init; }

    public double ScalingFactor { get; init; } = 1;

    /// <summary>Text fields can only be sorted or aggregated on when fielddata is enabled.</summary>
    public bool Fielddata { get; init; }

    public FieldMapper WithMultiFields(ImmutableSortedDictionary<string, FieldMapper> fields) =>
        new(Name, Type, Kind, Parameters, fields)
        {
            IgnoreAbove = IgnoreAbove,
            DateFormat = DateFormat,
            Indexed = Indexed,
            DocValues = DocValues,
            Coerce = Coerce,
            IgnoreMalformed = IgnoreMalformed,
            NullValue = NullValue,
            ScalingFactor = ScalingFactor,
            Fielddata = Fielddata,
        };
}
