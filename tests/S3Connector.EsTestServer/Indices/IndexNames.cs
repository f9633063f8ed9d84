using System.Text;
using S3Connector.EsTestServer.Cluster;
using S3Connector.EsTestServer.Http;

namespace S3Connector.EsTestServer.Indices;

/// <summary>Index name validation and index-expression resolution (lists, wildcards, exclusions, _all).</summary>
internal static class IndexNames
{
    public static void Validate(string name)
    {
        string? problem = null;
        if (name.AsSpan().IndexOfAny("\\/*?\"<>| ,") >= 0)
        {
            problem = "must not contain the following characters [\\, /, *, ?, \", <, >, |,  , ,]";
        }
        else if (name.Length == 0)
        {
            problem = "must not be empty";
        }
        else if (name.Contains('#', StringComparison.Ordinal))
        {
            problem = "must not contain '#'";
        }
        else if (name.Contains(':', StringComparison.Ordinal))
        {
            problem = "must not contain ':'";
        }
        else if (name[0] is '_' or '-' or '+')
        {
            problem = "must not start with '_', '-', or '+'";
        }
        else if (Encoding.UTF8.GetByteCount(name) > 255)
        {
            problem = $"index name is too long, ({Encoding.UTF8.GetByteCount(name)} > 255)";
        }
        else if (name is "." or "..")
        {
            problem = "must not be '.' or '..'";
        }
        else if (!string.Equals(name.ToLowerInvariant(), name, StringComparison.Ordinal))
        {
            problem = "must be lowercase";
        }

        if (problem is not null)
        {
            throw new EsException(400, "invalid_index_name_exception", $"Invalid index name [{name}], {problem}")
                .With("index_uuid", "_na_").With("index", name);
        }
    }

    /// <summary>
    /// Resolves a multi-target expression the way search, refresh and the other multi-index APIs do:
    /// missing concrete names fail unless ignore_unavailable; wildcards that match nothing are an error only
    /// when allow_no_indices is false. Names starting with '.' only match patterns that start with '.'.
    /// </summary>
    public static List<EsIndex> Resolve(ClusterState cluster, string? expression, bool ignoreUnavailable = false, bool allowNoIndices = true)
    {
        var all = cluster.Indices;
        var result = new List<EsIndex>();
        var parts = string.IsNullOrEmpty(expression) ? ["_all"] : expression.Split(',');
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (i > 0 && part.StartsWith('-'))
            {
                result.RemoveAll(ix => Matches(part[1..], ix.Name));
                continue;
            }

            if (part is "_all" or "*" || part.Contains('*', StringComparison.Ordinal))
            {
                var pattern = part == "_all" ? "*" : part;
                var matched = all.Where(ix => Matches(pattern, ix.Name)).ToList();
                if (matched.Count == 0 && !allowNoIndices)
                {
                    throw Errors.IndexNotFound(part);
                }

                result.AddRange(matched.Where(m => !result.Contains(m)));
                continue;
            }

            var index = cluster.Find(part);
            if (index is null)
            {
                if (ignoreUnavailable)
                {
                    continue;
                }

                throw Errors.IndexNotFound(part);
            }

            if (!result.Contains(index))
            {
                result.Add(index);
            }
        }

        if (result.Count == 0 && !allowNoIndices)
        {
            throw Errors.IndexNotFound(expression ?? "_all");
        }

        return result;
    }

    public static bool Matches(string pattern, string name)
    {
        if (name.StartsWith('.') && !pattern.StartsWith('.'))
        {
            return false;
        }

        return Glob(pattern, name);
    }

    /// <summary>'*' matches any run of characters (ES's simple match).</summary>
    public static bool Glob(string pattern, string text, StringComparison comparison = StringComparison.Ordinal)
    {
        var star = pattern.IndexOf('*', StringComparison.Ordinal);
        if (star < 0)
        {
            return string.Equals(pattern, text, comparison);
        }

        if (!text.StartsWith(pattern[..star], comparison))
        {
            return false;
        }

        var rest = pattern[(star + 1)..];
        for (var i = star; i <= text.Length; i++)
        {
            if (Glob(rest, text[i..], comparison))
            {
                return true;
            }
        }

        return false;
    }
}
