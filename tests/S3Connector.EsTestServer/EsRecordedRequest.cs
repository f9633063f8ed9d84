namespace S3Connector.EsTestServer;

/// <summary>A request the server received, as recorded once it was answered.</summary>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">Path as sent (URL-encoded).</param>
/// <param name="QueryString">Query string including the leading '?', or empty.</param>
/// <param name="StatusCode">Status of the answer; 0 when the connection was dropped by a fault.</param>
public sealed record EsRecordedRequest(string Method, string Path, string QueryString, int StatusCode);
