using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace S3Connector.Functions.Runtime;

/// <summary>
/// Logs one JSON object per line on stdout in Lambda's JSON log format (<c>timestamp</c>, <c>level</c>,
/// <c>message</c>, <c>requestId</c>, then the message's named values), so CloudWatch Logs Insights can filter on
/// fields. Written synchronously, unlike the console logger's background queue: Lambda freezes the sandbox as soon
/// as the response is posted, and queued lines would appear minutes later under the wrong invocation.
/// </summary>
public sealed class LambdaJsonLoggerProvider(Stream output, LogLevel minimum) : ILoggerProvider
{
    private readonly Lock _lock = new();

    public ILogger CreateLogger(string categoryName) => new LambdaJsonLogger(this, categoryName);

    internal LogLevel Minimum => minimum;

    internal void Write(ReadOnlySpan<byte> line)
    {
        lock (_lock)
        {
            output.Write(line);
            output.WriteByte((byte)'\n');
            output.Flush();
        }
    }

    public void Dispose() => output.Flush();
}

public sealed class LambdaJsonLogger(LambdaJsonLoggerProvider provider, string category) : ILogger
{
    private static readonly AsyncLocal<string?> CurrentRequestId = new();

    /// <summary>The invocation being served, added to every line as <c>requestId</c>.</summary>
    public static string? RequestId
    {
        get => CurrentRequestId.Value;
        set => CurrentRequestId.Value = value;
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= provider.Minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("timestamp", DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("level", Level(logLevel));
            json.WriteString("message", formatter(state, exception));
            json.WriteString("logger", category);
            if (eventId.Id != 0)
            {
                json.WriteNumber("eventId", eventId.Id);
            }

            if (RequestId is { } requestId)
            {
                json.WriteString("requestId", requestId);
            }

            if (state is IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                foreach (var (key, value) in values)
                {
                    if (key is "{OriginalFormat}" or "timestamp" or "level" or "message" or "logger" or "eventId" or "requestId")
                    {
                        continue;
                    }

                    WriteValue(json, key, value);
                }
            }

            if (exception is not null)
            {
                json.WriteString("errorType", exception.GetType().Name);
                json.WriteString("errorMessage", exception.Message);
                json.WriteString("stackTrace", exception.StackTrace ?? "");
            }

            json.WriteEndObject();
        }

        provider.Write(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    private static void WriteValue(Utf8JsonWriter json, string key, object? value)
    {
        switch (value)
        {
            case null: json.WriteNull(key); break;
            case bool b: json.WriteBoolean(key, b); break;
            case int i: json.WriteNumber(key, i); break;
            case long l: json.WriteNumber(key, l); break;
            case double d when double.IsFinite(d): json.WriteNumber(key, d); break;
            case TimeSpan t: json.WriteNumber(key, t.TotalMilliseconds); break;
            default: json.WriteString(key, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)); break;
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "TRACE",
        LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARN",
        LogLevel.Error => "ERROR",
        _ => "FATAL",
    };
}
