using System.Globalization;

namespace S3Connector.EsTestServer.Indices.Mapping;

/// <summary>
/// An approximation of ES's <c>standard</c> analyzer: Unicode word segmentation simplified to runs of letters,
/// digits and underscores, where '.', ':' and apostrophes join two letters ("don't", "foo.bar") and '.' or ','
/// join two digits ("3.14"), lower-cased, tokens capped at 255 characters.
/// </summary>
internal static class TextAnalyzer
{
    private const int MaxTokenLength = 255;

    public static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && (IsWordChar(text[i]) || (start >= 0 && JoinsWord(text, i)));
            if (inWord && start < 0)
            {
                start = i;
            }
            else if (!inWord && start >= 0)
            {
                AddToken(tokens, text[start..i]);
                start = -1;
            }
        }

        return tokens;
    }

    private static void AddToken(List<string> tokens, string token)
    {
        var lower = token.ToLower(CultureInfo.InvariantCulture);
        for (var offset = 0; offset < lower.Length; offset += MaxTokenLength)
        {
            tokens.Add(lower.Substring(offset, Math.Min(MaxTokenLength, lower.Length - offset)));
        }
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    private static bool JoinsWord(string text, int i)
    {
        if (i == 0 || i + 1 >= text.Length)
        {
            return false;
        }

        char before = text[i - 1], c = text[i], after = text[i + 1];
        return c switch
        {
            '.' or ':' or '\'' or '\u2019' when char.IsLetter(before) && char.IsLetter(after) => true,
            '.' or ',' when char.IsDigit(before) && char.IsDigit(after) => true,
            _ => false,
        };
    }
}
