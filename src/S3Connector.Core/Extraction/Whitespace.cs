using System.Text;

namespace S3Connector.Core.Extraction;

public static class Whitespace
{
    /// <summary>Collapses runs of whitespace to one space (keeping paragraph breaks) and caps the length.</summary>
    public static string Normalize(string text, int maxChars)
    {
        var sb = new StringBuilder(Math.Min(text.Length, maxChars));
        var pendingSpace = false;
        var pendingNewlines = 0;
        foreach (var c in text)
        {
            if (sb.Length >= maxChars)
            {
                break;
            }

            if (c == '\n')
            {
                pendingNewlines++;
                continue;
            }

            // U+FFFD is what a broken byte sequence decodes to; the original's pipeline strips it too.
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '\uFFFD' or '\uFEFF')
            {
                pendingSpace = true;
                continue;
            }

            if (sb.Length > 0)
            {
                if (pendingNewlines > 0)
                {
                    sb.Append(pendingNewlines > 1 ? "\n\n" : "\n");
                }
                else if (pendingSpace)
                {
                    sb.Append(' ');
                }
            }

            pendingSpace = false;
            pendingNewlines = 0;
            sb.Append(c);
        }

        return sb.ToString();
    }
}
