namespace S3Connector.Cli.Commands;

public sealed class UsageException(string message) : Exception(message);

/// <summary>The command line of CONTRACT §3: a verb, <c>--name value</c> options, flags and positional files.</summary>
public sealed class CliArguments
{
    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal) { "--verbose", "--help", "-h" };
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public string Verb { get; private init; } = "";
    public List<string> Positional { get; } = [];

    public static CliArguments Parse(string[] args, IReadOnlySet<string> knownOptions)
    {
        if (args.Length == 0)
        {
            throw new UsageException("A verb is required: sync, event, validate or jobs.");
        }

        var result = new CliArguments { Verb = args[0] };
        for (var i = 1; i < args.Length; i++)
        {
            var arg = args[i];
            if (Flags.Contains(arg))
            {
                result._flags.Add(arg);
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (!knownOptions.Contains(arg))
                {
                    throw new UsageException($"Unknown option {arg} for '{result.Verb}'.");
                }

                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new UsageException($"Option {arg} needs a value.");
                }

                result._options[arg] = args[++i];
            }
            else
            {
                result.Positional.Add(arg);
            }
        }

        return result;
    }

    public string? Option(string name) => _options.GetValueOrDefault(name);

    public bool Flag(string name) => _flags.Contains(name);

    public string RequiredOption(string name) =>
        Option(name) ?? throw new UsageException($"Option {name} is required for '{Verb}'.");
}
