namespace S3Connector.Functions.Runtime;

/// <summary>The error body of the Runtime API's /error and /init/error calls.</summary>
public sealed class LambdaError
{
    [System.Text.Json.Serialization.JsonPropertyName("errorType")] public string ErrorType { get; set; } = "";
    [System.Text.Json.Serialization.JsonPropertyName("errorMessage")] public string ErrorMessage { get; set; } = "";

    /// <summary>
    /// The error Lambda shows to whoever invoked the function (and in the console): the exception's type and message
    /// with every known secret value blanked, because SDK and HTTP messages may echo a URL or header carrying one.
    /// </summary>
    public static LambdaError From(Exception exception, IEnumerable<string> secrets) => new()
    {
        ErrorType = exception.GetType().Name,
        ErrorMessage = Redact(exception.Message, secrets),
    };

    public static string Redact(string message, IEnumerable<string> secrets)
    {
        foreach (var secret in secrets)
        {
            // Very short values would blank ordinary words; real keys and passwords are longer.
            if (secret.Length >= 4)
            {
                message = message.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return message;
    }
}
