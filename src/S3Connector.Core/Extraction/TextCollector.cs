using System.Text;

namespace S3Connector.Core.Extraction;

/// <summary>
/// Gathers raw text with a hard cap, so a huge document never builds a huge string; the cap leaves room for the
/// whitespace that normalisation removes.
/// </summary>
internal sealed class TextCollector(int maxChars)
{
    private readonly StringBuilder _text = new();
    private readonly int _rawCap = maxChars > int.MaxValue / 2 ? int.MaxValue : maxChars * 2;

    public int MaxChars { get; } = maxChars;

    public bool IsFull => _text.Length >= _rawCap;

    public void Append(ReadOnlySpan<char> value)
    {
        var room = _rawCap - _text.Length;
        if (room > 0)
        {
            _text.Append(value.Length <= room ? value : value[..room]);
        }
    }

    public void Append(char value)
    {
        if (!IsFull)
        {
            _text.Append(value);
        }
    }

    /// <summary>A word boundary between pieces of text that sit in different elements.</summary>
    public void Space() => Append(' ');

    /// <summary>A paragraph boundary.</summary>
    public void Break() => Append('\n');

    public string ToNormalized() => Whitespace.Normalize(_text.ToString(), MaxChars);
}
