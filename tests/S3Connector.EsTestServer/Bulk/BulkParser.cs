using System.Globalization;
using System.Text.Json;
using S3Connector.EsTestServer.Documents;
using S3Connector.EsTestServer.Http;

namespace S3Connector.EsTestServer.Bulk;

/// <summary>One action of a bulk request with its metadata and (for index, create, update) its body line.</summary>
internal sealed class BulkItem
{
    public required string Action { get; init; }

    public required string? Index { get; init; }

    public required string? Id { get; set; }

    public required WriteOptions Options { get; init; }

    public byte[]? Source { get; init; }

    public UpdateSpec? Update { get; init; }

    public bool IsCreate => Action == "create";
}

/// <summary>
/// Parses the NDJSON bulk body like ES's BulkRequestParser: action/metadata lines followed by a source line
/// (none for delete), blank lines skipped, the final line newline-terminated. Structural problems fail the
/// whole request; per-document problems are left for execution to report per item.
/// </summary>
internal static class BulkParser
{
    private static readonly HashSet<string> Actions = new(StringComparer.Ordinal) { "index", "create", "update", "delete" };

    public static List<BulkItem> Parse(EsRequest request, string? defaultIndex)
    {
        var body = request.Body;
        if (body.Length == 0)
        {
            throw Errors.RequestBodyRequired();
        }

        if (body[^1] != (byte)'\n')
        {
            throw Errors.IllegalArgument("The bulk request must be terminated by a newline [\\n]");
        }

        var lines = SplitLines(body);
        var items = new List<BulkItem>();
        var defaults = new Defaults(request.Param("pipeline"), request.Param("routing"), request.Bool("require_alias", false));
        for (var i = 0; i < lines.Count; i++)
        {
            var (start, length) = lines[i];
            var line = body.AsMemory(start, length);
            if (IsBlank(line.Span))
            {
                continue;
            }

            var lineNumber = i + 1;
            using var action = ParseLine(line, lineNumber);
            var (name, metadata) = ReadAction(action.RootElement, lineNumber);
            var item = BuildItem(name, metadata, lineNumber, defaultIndex, defaults, () =>
            {
                i++;
                return i < lines.Count ? body[lines[i].Start..(lines[i].Start + lines[i].Length)] : null;
            });
            items.Add(item);
        }

        if (items.Count == 0)
        {
            throw Errors.Validation("no requests added");
        }

        var problems = new List<string>();
        foreach (var item in items)
        {
            if (item.Index is null)
            {
                problems.Add("index is missing");
            }

            if (item.Action is "update" or "delete" && item.Id is null)
            {
                problems.Add("id is missing");
            }
        }

        return problems.Count > 0 ? throw Errors.Validation([.. problems]) : items;
    }

    private static BulkItem BuildItem(string action, JsonElement metadata, int lineNumber, string? defaultIndex, Defaults defaults, Func<byte[]?> nextLine)
    {
        string? index = defaultIndex, id = null;
        var options = new WriteOptions { Pipeline = defaults.Pipeline, Routing = defaults.Routing, RequireAlias = defaults.RequireAlias };
        foreach (var property in metadata.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "_index": index = value.GetString(); break;
                case "_id": id = value.ValueKind == JsonValueKind.Null ? null : Text(value); break;
                case "routing": options.Routing = Text(value); break;
                case "if_seq_no": options.IfSeqNo = long.Parse(Text(value), CultureInfo.InvariantCulture); break;
                case "if_primary_term": options.IfPrimaryTerm = long.Parse(Text(value), CultureInfo.InvariantCulture); break;
                case "version": options.Version = long.Parse(Text(value), CultureInfo.InvariantCulture); break;
                case "version_type": options.VersionType = WriteOptions.ParseVersionType(Text(value)); break;
                case "pipeline": options.Pipeline = Text(value); break;
                case "require_alias": options.RequireAlias = value.ValueKind == JsonValueKind.True; break;
                case "retry_on_conflict" or "require_data_stream" or "list_executed_pipelines": break;
                case "dynamic_templates" when value.ValueKind == JsonValueKind.Object && !value.EnumerateObject().Any(): break;
                case "_source" or "dynamic_templates" or "op_type" or "fields":
                    throw Errors.Unsupported($"[{property.Name}] in bulk action metadata");
                default:
                    throw Errors.IllegalArgument($"Action/metadata line [{lineNumber}] contains an unknown parameter [{property.Name}]");
            }
        }

        if (action == "delete")
        {
            return new BulkItem { Action = action, Index = index, Id = id, Options = options };
        }

        var source = nextLine();
        if (source is null || IsBlank(source))
        {
            throw Errors.Validation(action == "update" ? "script or doc is missing" : "source is missing");
        }

        if (action == "update")
        {
            using var document = ParseLine(source, lineNumber + 1);
            return new BulkItem
            {
                Action = action,
                Index = index,
                Id = id,
                Options = options,
                Update = UpdateSpec.Parse(document.RootElement, new BodyContext(source)),
            };
        }

        return new BulkItem { Action = action, Index = index, Id = id, Options = options, Source = source };
    }

    private static (string Action, JsonElement Metadata) ReadAction(JsonElement line, int lineNumber)
    {
        if (line.ValueKind != JsonValueKind.Object)
        {
            throw Errors.IllegalArgument($"Malformed action/metadata line [{lineNumber}], expected START_OBJECT or END_OBJECT but found [{JsonIn.TokenName(line.ValueKind)}]");
        }

        var properties = line.EnumerateObject().ToList();
        if (properties.Count != 1 || !Actions.Contains(properties[0].Name))
        {
            var found = properties.Count == 0 ? "END_OBJECT" : properties[0].Name;
            throw Errors.IllegalArgument($"Malformed action/metadata line [{lineNumber}], expected field [create], [delete], [index] or [update] but found [{found}]");
        }

        if (properties[0].Value.ValueKind != JsonValueKind.Object)
        {
            throw Errors.IllegalArgument($"Malformed action/metadata line [{lineNumber}], expected START_OBJECT but found [{JsonIn.TokenName(properties[0].Value.ValueKind)}]");
        }

        return (properties[0].Name, properties[0].Value);
    }

    private static JsonDocument ParseLine(ReadOnlyMemory<byte> line, int lineNumber)
    {
        try
        {
            return JsonIn.Parse(line);
        }
        catch (EsException e)
        {
            throw Errors.IllegalArgument($"Malformed action/metadata line [{lineNumber}]: {e.Reason}");
        }
    }

    private static List<(int Start, int Length)> SplitLines(byte[] body)
    {
        var lines = new List<(int, int)>();
        var start = 0;
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] == (byte)'\n')
            {
                lines.Add((start, i - start));
                start = i + 1;
            }
        }

        return lines;
    }

    private static bool IsBlank(ReadOnlySpan<byte> line) => line.Trim(" \t\r"u8).IsEmpty;

    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    private sealed record Defaults(string? Pipeline, string? Routing, bool RequireAlias);
}
