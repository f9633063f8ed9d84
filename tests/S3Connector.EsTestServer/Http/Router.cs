namespace S3Connector.EsTestServer.Http;

internal delegate Task<EsResponse> EsHandler(EsRequest request);

/// <summary>
/// Path-pattern router with Elasticsearch's rules: literal segments beat <c>{placeholders}</c>; a path that
/// matches only under other methods is a 405 listing them; a path nothing matches is a 400 "no handler found".
/// Each route declares its query parameters, and unknown ones are rejected as ES rejects them.
/// </summary>
internal sealed class Router
{
    // Parameters every ES endpoint accepts (rest-api-spec _common.json).
    private static readonly string[] CommonParameters = ["pretty", "human", "error_trace", "filter_path", "source", "source_content_type"];

    // Java's EnumSet order of RestRequest.Method, used when listing allowed methods.
    private static readonly string[] MethodOrder = ["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "CONNECT"];

    private readonly List<Route> _routes = [];

    public void Map(string methods, string pattern, EsHandler handler, params string[] parameters)
    {
        var segments = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var allowed = new HashSet<string>(parameters.Concat(CommonParameters), StringComparer.Ordinal);
        foreach (var method in methods.Split('|'))
        {
            _routes.Add(new Route(method, segments, allowed, handler));
        }
    }

    public RouteResult Match(string method, IReadOnlyList<string> segments)
    {
        var pathMatches = _routes.Where(r => r.Matches(segments)).ToList();
        if (pathMatches.Count == 0)
        {
            return RouteResult.NotFound;
        }

        var best = pathMatches.Where(r => r.Method == method).OrderByDescending(r => r.Specificity).FirstOrDefault();
        if (best is null)
        {
            var allowed = pathMatches.Select(r => r.Method).Distinct().OrderBy(m => Array.IndexOf(MethodOrder, m)).ToList();
            return new RouteResult(null, allowed);
        }

        return new RouteResult(best, []);
    }

    internal sealed class Route(string method, string[] segments, HashSet<string> parameters, EsHandler handler)
    {
        public string Method { get; } = method;

        public EsHandler Handler { get; } = handler;

        /// <summary>Literal segments count more the further left they are, as in ES's path trie.</summary>
        public long Specificity { get; } = segments.Select((s, i) => IsPlaceholder(s) ? 0L : 1L << (32 - i)).Sum();

        public bool Matches(IReadOnlyList<string> path) =>
            path.Count == segments.Length
            && segments.Select((s, i) => IsPlaceholder(s) || s == path[i]).All(ok => ok);

        public void Bind(EsRequest request, IReadOnlyList<string> path)
        {
            for (var i = 0; i < segments.Length; i++)
            {
                if (IsPlaceholder(segments[i]))
                {
                    request.SetRouteValue(segments[i][1..^1], path[i]);
                }
            }
        }

        public void ValidateParameters(EsRequest request)
        {
            var unknown = request.Query.Keys.Where(k => !parameters.Contains(k)).Order(StringComparer.Ordinal).ToList();
            if (unknown.Count == 0)
            {
                return;
            }

            var list = string.Join(", ", unknown.Select(u => $"[{u}]"));
            throw Errors.IllegalArgument(unknown.Count == 1
                ? $"request [{request.Path}] contains unrecognized parameter: {list}"
                : $"request [{request.Path}] contains unrecognized parameters: {list}");
        }

        private static bool IsPlaceholder(string segment) => segment.StartsWith('{');
    }
}

internal sealed record RouteResult(Router.Route? Route, IReadOnlyList<string> AllowedMethods)
{
    public static readonly RouteResult NotFound = new(null, []);
}
