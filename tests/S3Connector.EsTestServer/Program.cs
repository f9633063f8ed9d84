using System.Globalization;
using System.Runtime.InteropServices;
using S3Connector.EsTestServer;
using S3Connector.EsTestServer.Http;

// Standalone mode for tests in another process:
//   dotnet run --project tests/S3Connector.EsTestServer -- [--port 9200] [--api-key KEY] [--refresh-interval 1s|-1] [--max-body-bytes N]
// Prints one line with the address once it accepts connections, then serves until Ctrl+C or SIGTERM.
var port = 0;
string? apiKey = null;
TimeSpan? refresh = TimeSpan.FromSeconds(1);
var maxBody = new EsTestServerOptions().MaxRequestBodyBytes;
for (var i = 0; i < args.Length; i++)
{
    var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--port": port = int.Parse(value, CultureInfo.InvariantCulture); break;
        case "--api-key": apiKey = value; break;
        case "--refresh-interval": refresh = TimeValue.Parse(value, "--refresh-interval"); break;
        case "--max-body-bytes": maxBody = long.Parse(value, CultureInfo.InvariantCulture); break;
        default: throw new ArgumentException($"unknown option {args[i]}");
    }

    i++;
}

await using var host = await EsTestServerHost.StartAsync(new EsTestServerOptions
{
    Port = port,
    ApiKey = apiKey,
    RefreshInterval = refresh,
    MaxRequestBodyBytes = maxBody,
});

var stopped = new TaskCompletionSource();
void Stop(PosixSignalContext context)
{
    // Cancel the default termination so the server shuts down through DisposeAsync.
    context.Cancel = true;
    stopped.TrySetResult();
}

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

// Announced only once stopping is wired up, so a caller may signal right after reading the line.
Console.WriteLine($"es-test-server listening on {host.Url.ToString().TrimEnd('/')}");
await stopped.Task;
