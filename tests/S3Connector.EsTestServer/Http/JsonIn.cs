using System.Text.Json;

namespace S3Connector.EsTestServer.Http;

/// <summary>Request-body parsing helpers: strict JSON like Jackson, and Jackson-style error positions.</summary>
internal static class JsonIn
{
    // ES rejects duplicate keys ("Duplicate field") where System.Text.Json would silently keep both.
    private static readonly JsonDocumentOptions Options = new() { AllowDuplicateProperties = false, MaxDepth = 1000 };

    public static JsonDocument Parse(ReadOnlyMemory<byte> json)
    {
        try
        {
            return JsonDocument.Parse(json, Options);
        }
        catch (JsonException e)
        {
            throw Errors.XContentParse(CleanMessage(e), PositionOf(e));
        }
    }

    public static JsonPosition PositionOf(JsonException e) =>
        new((int)(e.LineNumber ?? 0) + 1, (int)(e.BytePositionInLine ?? 0) + 1);

    /// <summary>System.Text.Json appends its own position; ES puts the position first, so drop ours.</summary>
    public static string CleanMessage(JsonException e)
    {
        var message = e.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    /// <summary>Line/column of the byte at <paramref name="offset"/>.</summary>
    public static JsonPosition PositionAt(ReadOnlySpan<byte> json, long offset)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset && i < json.Length; i++)
        {
            if (json[i] == (byte)'\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return new JsonPosition(line, (int)(offset - lineStart) + 1);
    }

    /// <summary>
    /// Position of the value reached by <paramref name="path"/> (property names and array indexes), which is
    /// where Jackson's parser stands when ES raises a parsing error about that value.
    /// </summary>
    public static JsonPosition? Locate(ReadOnlySpan<byte> json, IReadOnlyList<object> path)
    {
        if (json.IsEmpty)
        {
            return null;
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip });
        try
        {
            if (!reader.Read())
            {
                return null;
            }

            foreach (var step in path)
            {
                if (!Descend(ref reader, step))
                {
                    return null;
                }
            }

            return PositionAt(json, reader.TokenStartIndex);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool Descend(ref Utf8JsonReader reader, object step)
    {
        switch (step)
        {
            case string name when reader.TokenType == JsonTokenType.StartObject:
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var match = reader.ValueTextEquals(name);
                    reader.Read();
                    if (match)
                    {
                        return true;
                    }

                    reader.Skip();
                }

                return false;
            case int index when reader.TokenType == JsonTokenType.StartArray:
                for (var i = 0; reader.Read() && reader.TokenType != JsonTokenType.EndArray; i++)
                {
                    if (i == index)
                    {
                        return true;
                    }

                    reader.Skip();
                }

                return false;
            default:
                return false;
        }
    }

    /// <summary>Jackson's token names, used in ES error texts ("Unknown key for a START_OBJECT in [x].").</summary>
    public static string TokenName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "START_OBJECT",
        JsonValueKind.Array => "START_ARRAY",
        JsonValueKind.String => "VALUE_STRING",
        JsonValueKind.Number => "VALUE_NUMBER",
        JsonValueKind.True or JsonValueKind.False => "VALUE_BOOLEAN",
        _ => "VALUE_NULL",
    };
}
