namespace S3Connector.EsTestServer.Http;

/// <summary>
/// Tracks where a parser stands inside a request body (property names and array indexes) so parsing errors can
/// carry the line/col ES reports. Positions are only computed when an error is actually raised.
/// </summary>
internal sealed class BodyContext(ReadOnlyMemory<byte> json)
{
    private readonly List<object> _path = [];

    public Scope Enter(object step)
    {
        _path.Add(step);
        return new Scope(this);
    }

    public JsonPosition? Position => JsonIn.Locate(json.Span, _path);

    public EsException Parsing(string reason) => Errors.Parsing(reason, Position);

    public EsException XContent(string reason) => Errors.XContentParse(reason, Position);

    public readonly struct Scope(BodyContext owner) : IDisposable
    {
        public void Dispose() => owner._path.RemoveAt(owner._path.Count - 1);
    }
}
