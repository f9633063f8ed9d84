using System.Reflection;
using System.Text;
using System.Text.Json;
using S3Connector.Core.Configuration;
using S3Connector.Functions.Events;
using S3Connector.Functions.Handlers;
using S3Connector.Testing;
using YamlDotNet.RepresentationModel;
using S3Connector.Core.S3;

namespace S3Connector.LambdaTests;

/// <summary>
/// template.yaml against the code: what the functions are told is what the binary reads, and the AWS limits and
/// least-privilege rules hold. Read with YamlDotNet's representation model, which keeps CloudFormation's short-form
/// tags (!Ref, !GetAtt, !Sub, !If) on the nodes instead of failing on them.
/// </summary>
public sealed partial class TemplateTests
{
    private static readonly Lazy<YamlMappingNode> Template = new(() =>
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(LocalStack.RepoRoot, "template.yaml"));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    });

    private static YamlMappingNode Resources => Map(Template.Value, "Resources")!;

    private static IEnumerable<(string Id, YamlMappingNode Properties)> OfType(string type) =>
        Resources.Children
            .Where(r => Scalar(r.Value, "Type") == type)
            .Select(r => (((YamlScalarNode)r.Key).Value!, Map(r.Value, "Properties") ?? new YamlMappingNode()));

    private static IEnumerable<(string Id, YamlMappingNode Properties)> Functions => OfType("AWS::Serverless::Function");

    private static YamlMappingNode? GlobalFunction => Map(Map(Template.Value, "Globals"), "Function");

    [Fact]
    public void Every_function_names_a_handler_the_binary_serves()
    {
        // The const strings of FunctionHost are the _HANDLER values its Select accepts.
        var served = typeof(FunctionHost).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f is { IsLiteral: true } && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToHashSet();
        var makefile = File.ReadAllText(Path.Combine(LocalStack.RepoRoot, "Makefile"));
        Assert.NotEmpty(Functions);
        foreach (var (id, properties) in Functions)
        {
            var handler = Scalar(properties, "Handler") ?? Scalar(GlobalFunction, "Handler");
            Assert.True(handler is not null && served.Contains(handler), $"{id}: Handler '{handler}' is not one of {string.Join(", ", served)}");
            Assert.Equal("provided.al2023", Scalar(properties, "Runtime") ?? Scalar(GlobalFunction, "Runtime"));
            Assert.Equal("makefile", Scalar(Map(Resources, id), "Metadata", "BuildMethod"));
            Assert.Contains($"build-{id}", makefile, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_environment_variable_is_a_configuration_key_the_binary_reads()
    {
        foreach (var (id, properties) in Functions)
        {
            var variables = Variables(properties);
            // Lambda refuses to deploy reserved names; _HANDLER comes from Handler.
            Assert.DoesNotContain(variables.Keys, k => k.StartsWith("AWS_", StringComparison.Ordinal) || k == "_HANDLER");
            Assert.All(variables.Keys, k => Assert.StartsWith(ConnectorConfiguration.EnvironmentPrefix, k, StringComparison.Ordinal));
            Assert.Contains("S3C_WORK_QUEUE_URL", variables.Keys);
            Assert.Contains("S3C_BUCKETS", variables.Keys);
            Assert.Contains("S3C_ELASTICSEARCH__HOST", variables.Keys);

            var environment = variables.Keys.ToDictionary(k => k, k => (string?)"1", StringComparer.Ordinal);
            var unknown = new List<string>();
            try
            {
                ConnectorConfiguration.Load(null, environment);
            }
            catch (ConfigurationException e)
            {
                unknown.AddRange(e.Errors.Where(x => x.Problem.Contains("unknown", StringComparison.Ordinal)).Select(x => x.Key));
            }

            Assert.True(unknown.Count == 0, $"{id} sets variables the configuration loader rejects: {string.Join(", ", unknown)}");
        }
    }

    [Fact]
    public void Work_queue_max_receive_count_matches_what_the_worker_is_told()
    {
        foreach (var (id, properties) in Functions)
        {
            var variables = Variables(properties);
            var queue = Map(Resources, RefTarget(variables["S3C_WORK_QUEUE_URL"]));
            Assert.True(queue is not null, $"{id}: S3C_WORK_QUEUE_URL is not a !Ref to a queue of this stack");
            Assert.Equal(Scalar(queue, "Properties", "RedrivePolicy", "maxReceiveCount"), Text(variables["S3C_WORK_MAX_RECEIVE_COUNT"]));
        }
    }

    [Fact]
    public void Long_key_ranges_divide_into_as_many_pieces_as_workers_may_run_at_once()
    {
        var worker = Map(Resources, "WorkerFunction", "Properties")!;
        var scaling = Map(worker, "Events", "Work", "Properties", "ScalingConfig")!;
        var cap = RefTarget(scaling.Children[new YamlScalarNode("MaximumConcurrency")]);

        Assert.Equal(cap, RefTarget(Variables(worker)["S3C_LISTING_PARALLELISM"]));
    }

    [Fact]
    public void Queue_visibility_timeouts_are_at_least_six_times_their_functions_timeout()
    {
        var checkedSources = 0;
        foreach (var (id, properties) in Functions)
        {
            var timeout = int.Parse(Scalar(properties, "Timeout") ?? Scalar(GlobalFunction, "Timeout") ?? "3", System.Globalization.CultureInfo.InvariantCulture);
            foreach (var source in Sources(properties).Where(s => Scalar(s, "Type") == "SQS"))
            {
                var queueId = GetAttTarget(Map(source, "Properties")!.Children[new YamlScalarNode("Queue")]);
                var visibility = int.Parse(Scalar(Map(Resources, queueId), "Properties", "VisibilityTimeout") ?? "30", System.Globalization.CultureInfo.InvariantCulture);
                Assert.True(visibility >= 6 * timeout, $"{queueId}: VisibilityTimeout {visibility} < 6 × {id} Timeout {timeout}");
                Assert.Contains("ReportBatchItemFailures", Text(Map(source, "Properties")!.Children[new YamlScalarNode("FunctionResponseTypes")]), StringComparison.Ordinal);
                checkedSources++;
            }
        }

        Assert.True(checkedSources > 0, "no SQS event source found");
    }

    private static int TimeoutOf(string functionId) => int.Parse(
        Scalar(Map(Resources, functionId, "Properties"), "Timeout") ?? Scalar(GlobalFunction, "Timeout") ?? "3", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_job_is_judged_stalled_only_after_a_killed_workers_message_could_have_come_back()
    {
        var visibility = int.Parse(Scalar(Map(Resources, "WorkQueue"), "Properties", "VisibilityTimeout")!, System.Globalization.CultureInfo.InvariantCulture);
        var reappears = TimeSpan.FromSeconds(visibility + TimeoutOf("WorkerFunction"));
        Assert.True(reappears < Core.Sync.SyncScheduler.StalledAfter, $"{reappears} ≥ {Core.Sync.SyncScheduler.StalledAfter}");
    }

    [Fact]
    public void The_events_function_outlasts_an_extraction_that_reaches_its_timeout()
    {
        var options = ConnectorConfiguration.Load(null, new Dictionary<string, string?>
        {
            ["S3C_BUCKETS"] = "b",
            ["S3C_INDEX_NAME"] = "i",
            ["S3C_ELASTICSEARCH__HOST"] = "http://127.0.0.1:9200",
        });
        // The extraction's own timeout, then a minute for the HEAD, the GET and the bulk request.
        Assert.True(TimeoutOf("EventsFunction") >= options.ExtractionTimeoutSeconds + 60,
            $"EventsFunction Timeout {TimeoutOf("EventsFunction")} < extraction_timeout {options.ExtractionTimeoutSeconds} + 60");
    }

    [Fact]
    public void The_largest_allowed_object_fits_the_content_budgets_of_the_worker_alone()
    {
        var maxFileSize = long.Parse(Scalar(Map(Template.Value, "Parameters", "MaxFileSize"), "MaxValue")!, System.Globalization.CultureInfo.InvariantCulture);
        var memoryBytes = long.Parse(Scalar(GlobalFunction, "MemorySize")!, System.Globalization.CultureInfo.InvariantCulture) << 20;
        var tmpBytes = long.Parse(Scalar(GlobalFunction, "EphemeralStorage", "Size")!, System.Globalization.CultureInfo.InvariantCulture) << 20;
        foreach (var extraction in new[] { "local", "pipeline" })
        {
            var options = ConnectorConfiguration.Load(null, new Dictionary<string, string?>
            {
                ["S3C_BUCKETS"] = "b",
                ["S3C_INDEX_NAME"] = "i",
                ["S3C_ELASTICSEARCH__HOST"] = "http://127.0.0.1:9200",
                ["S3C_MAX_FILE_SIZE"] = maxFileSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["S3C_EXTRACTION"] = extraction,
            });
            using var budgets = new Core.Budgets.ContentBudgets(1, 1);
            var builder = new Core.Documents.DocumentBuilder(options, null!, new Core.Extraction.ContentExtractor(), budgets,
                Microsoft.Extensions.Logging.Abstractions.NullLogger<Core.Documents.DocumentBuilder>.Instance);
            var largest = new Core.S3.S3ObjectInfo("b", "largest.pdf", maxFileSize, DateTimeOffset.UnixEpoch, "etag", "STANDARD", "");
            var estimate = builder.MemoryEstimate(largest);
            Assert.True(estimate <= memoryBytes * Core.Budgets.ContentBudgets.MemoryShare,
                $"{extraction}: a {maxFileSize}-byte object needs about {estimate} bytes, over {Core.Budgets.ContentBudgets.MemoryShare:P0} of MemorySize");
        }

        Assert.True(maxFileSize <= tmpBytes * Core.Budgets.ContentBudgets.DiskShare, $"MaxFileSize {maxFileSize} does not fit the /tmp budget");
    }

    [Fact]
    public void The_ca_fingerprint_parameter_accepts_what_elasticsearch_prints_and_reaches_the_loader()
    {
        using var certificates = S3Connector.Testing.TestCertificates.Create();
        var pattern = Scalar(Map(Template.Value, "Parameters", "ElasticsearchCaFingerprint"), "AllowedPattern")!;
        foreach (var fingerprint in new[] { certificates.CaFingerprint, certificates.CaFingerprint.Replace(":", "", StringComparison.Ordinal) })
        {
            Assert.Matches(pattern, fingerprint);
            var options = ConnectorConfiguration.Load(null, new Dictionary<string, string?>
            {
                ["S3C_BUCKETS"] = "b",
                ["S3C_INDEX_NAME"] = "i",
                ["S3C_ELASTICSEARCH__HOST"] = "https://127.0.0.1:9200",
                ["S3C_ELASTICSEARCH__CA_FINGERPRINT"] = fingerprint,
            });
            Assert.NotNull(options.Elasticsearch.Trust);
        }

        Assert.DoesNotMatch(pattern, "AB:CD");
        Assert.Contains("ElasticsearchCaFingerprint", Text(Variables(Map(Resources, "WorkerFunction", "Properties")!)["S3C_ELASTICSEARCH__CA_FINGERPRINT"]), StringComparison.Ordinal);
    }

    [Fact]
    public void The_work_dead_letter_queue_is_consumed_by_the_dead_letter_handler()
    {
        var deadLetters = GetAttTarget(Map(Resources, "WorkQueue", "Properties", "RedrivePolicy")!.Children[new YamlScalarNode("deadLetterTargetArn")]);
        var consumers = Functions
            .Where(f => Sources(f.Properties).Any(s => Scalar(s, "Type") == "SQS"
                && GetAttTarget(Map(s, "Properties")!.Children[new YamlScalarNode("Queue")]) == deadLetters))
            .Select(f => Scalar(f.Properties, "Handler"))
            .ToList();
        Assert.Equal([FunctionHost.DeadLetters], consumers);
    }

    [Fact]
    public void Every_queue_has_a_dead_letter_queue_and_every_queue_is_encrypted()
    {
        var queues = OfType("AWS::SQS::Queue").ToList();
        var deadLetterTargets = queues
            .Select(q => Map(q.Properties, "RedrivePolicy"))
            .Where(r => r is not null)
            .Select(r => GetAttTarget(r!.Children[new YamlScalarNode("deadLetterTargetArn")]))
            .ToHashSet();
        Assert.NotEmpty(deadLetterTargets);
        foreach (var (id, properties) in queues)
        {
            Assert.True(Scalar(properties, "SqsManagedSseEnabled") == "true" || Scalar(properties, "KmsMasterKeyId") is not null, $"{id} is not encrypted");
            if (deadLetterTargets.Contains(id))
            {
                Assert.Equal("1209600", Scalar(properties, "MessageRetentionPeriod"));
            }
            else
            {
                Assert.True(Map(properties, "RedrivePolicy") is not null, $"{id} has no dead-letter queue");
                Assert.True(Resources.Children.ContainsKey(new YamlScalarNode(GetAttTarget(Map(properties, "RedrivePolicy")!.Children[new YamlScalarNode("deadLetterTargetArn")]))));
            }
        }
    }

    [Fact]
    public void Iam_statements_are_scoped_to_the_buckets_the_parameter_and_the_stacks_queues()
    {
        var queueIds = OfType("AWS::SQS::Queue").Select(q => q.Id).ToHashSet();
        foreach (var (id, properties) in Functions)
        {
            var policies = (YamlSequenceNode)properties.Children[new YamlScalarNode("Policies")];
            foreach (var policy in policies.Children)
            {
                Assert.True(policy is YamlMappingNode, $"{id}: managed or SAM policy templates are too broad to check; write statements");
                foreach (var node in ((YamlSequenceNode)((YamlMappingNode)policy).Children[new YamlScalarNode("Statement")]).Children)
                {
                    var (statement, condition) = Unwrap(node);
                    if (statement is null)
                    {
                        continue;
                    }

                    var actionNode = statement.Children[new YamlScalarNode("Action")];
                    var actions = actionNode is YamlSequenceNode list
                        ? list.Children.Select(a => ((YamlScalarNode)a).Value!).ToList()
                        : [((YamlScalarNode)actionNode).Value!];
                    var resource = statement.Children[new YamlScalarNode("Resource")];
                    var resourceText = Text(resource);
                    Assert.All(actions, a => Assert.False(a == "*" || a.EndsWith(":*", StringComparison.Ordinal), $"{id}: wildcard action {a}"));
                    var services = actions.Select(a => a.Split(':')[0]).Distinct().ToList();
                    Assert.True(services.Count == 1, $"{id}: one service per statement, so each can be scoped: {string.Join(",", actions)}");
                    if (actions.Contains("s3:ListAllMyBuckets"))
                    {
                        // The only "*" resource, and only when every bucket is configured.
                        Assert.Equal("AllBuckets", condition);
                        Assert.Equal(["s3:ListAllMyBuckets"], actions);
                        continue;
                    }

                    switch (services[0])
                    {
                        case "s3":
                            // Every bucket only under the AllBuckets condition; otherwise the configured ones.
                            var conditional = Assert.IsType<YamlSequenceNode>(resource);
                            Assert.Equal("!If", conditional.Tag.Value);
                            Assert.Equal("AllBuckets", ((YamlScalarNode)conditional.Children[0]).Value);
                            Assert.Contains("!Ref Buckets", Text(conditional.Children[2]), StringComparison.Ordinal);
                            break;
                        case "sqs":
                            Assert.Contains(GetAttTarget(resource), queueIds);
                            break;
                        case "ssm":
                            Assert.Equal(["ssm:GetParameter"], actions);
                            Assert.Contains("${ElasticsearchApiKeyParameter}", resourceText, StringComparison.Ordinal);
                            Assert.DoesNotContain("parameter/*", resourceText, StringComparison.Ordinal);
                            break;
                        default:
                            Assert.Fail($"{id}: unexpected statement {string.Join(",", actions)} on {resourceText}");
                            break;
                    }

                    Assert.NotEqual("*", resourceText);
                }
            }
        }
    }

    [Fact]
    public void Every_sample_event_parses_as_the_event_its_function_expects()
    {
        var files = Directory.GetFiles(Path.Combine(LocalStack.RepoRoot, "events"), "*.json");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var json = File.ReadAllBytes(file);
            var handler = Path.GetFileName(file).Split('-')[0];
            switch (handler)
            {
                case FunctionHost.Scheduler:
                    var scheduled = JsonSerializer.Deserialize(json, FunctionJson.Default.ScheduledEvent);
                    Assert.Equal("Scheduled Event", scheduled?.DetailType);
                    break;
                case FunctionHost.Worker:
                    var sqs = JsonSerializer.Deserialize(json, FunctionJson.Default.SqsEvent);
                    Assert.NotNull(sqs);
                    Assert.NotEmpty(sqs.Records);
                    Assert.All(sqs.Records, r => Assert.False(string.IsNullOrEmpty(r.MessageId)));
                    Assert.All(sqs.Records, r => Core.Queue.SqsWorkQueue.Parse(r.Body));
                    break;
                case FunctionHost.Events:
                    // Any envelope the events function accepts: an SQS batch of S3 events, or S3/SNS/EventBridge directly.
                    using (var document = JsonDocument.Parse(json))
                    {
                        var root = document.RootElement;
                        var bodies = root.TryGetProperty("Records", out var records) && records[0].TryGetProperty("eventSource", out var source)
                                     && source.GetString() == "aws:sqs"
                            ? records.EnumerateArray().Select(r => r.GetProperty("body").GetString()!).ToList()
                            : [root.GetRawText()];
                        Assert.All(bodies, body => Assert.True(Core.Events.S3EventParser.Parse(body).Error is null, $"{file}: {Core.Events.S3EventParser.Parse(body).Error}"));
                    }

                    break;
                default:
                    Assert.Fail($"{file}: no function named '{handler}'; name sample events <handler>-<case>.json");
                    break;
            }
        }
    }

    [Fact]
    public void The_architecture_is_a_parameter_the_build_can_follow()
    {
        // A bootstrap built for one architecture fails to start on the other, so every function takes the parameter and
        // the bootstrap project locks a runtime for each allowed value (CI restores it in locked mode).
        var parameter = Map(Template.Value, "Parameters", "Architecture");
        var allowed = ((YamlSequenceNode)parameter!.Children[new YamlScalarNode("AllowedValues")]).Children
            .Select(n => ((YamlScalarNode)n).Value!).ToList();
        Assert.Equal(["x86_64", "arm64"], allowed);
        Assert.Equal("x86_64", Scalar(parameter, "Default"));
        foreach (var (id, properties) in Functions)
        {
            var architectures = Sequence(properties, "Architectures") ?? Sequence(GlobalFunction, "Architectures");
            Assert.True(architectures is { Children.Count: 1 }, $"{id}: one architecture expected");
            Assert.Equal("Architecture", RefTarget(architectures.Children[0]));
        }

        var project = File.ReadAllText(Path.Combine(LocalStack.RepoRoot, "src", "S3Connector.Lambda", "S3Connector.Lambda.csproj"));
        var locks = File.ReadAllText(Path.Combine(LocalStack.RepoRoot, "src", "S3Connector.Lambda", "packages.lock.json"));
        foreach (var rid in new[] { "linux-x64", "linux-arm64" })
        {
            Assert.Contains(rid, project, StringComparison.Ordinal);
            Assert.Contains($"\"net10.0/{rid}\"", locks, StringComparison.Ordinal);
        }
    }

    private static YamlSequenceNode? Sequence(YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value as YamlSequenceNode : null;

    private static Dictionary<string, YamlNode> Variables(YamlMappingNode properties)
    {
        var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var source in new[] { GlobalFunction, properties })
        {
            if (Map(source, "Environment", "Variables") is { } variables)
            {
                foreach (var (key, value) in variables.Children)
                {
                    result[((YamlScalarNode)key).Value!] = value;
                }
            }
        }

        return result;
    }

    private static IEnumerable<YamlMappingNode> Sources(YamlMappingNode properties) =>
        Map(properties, "Events")?.Children.Values.OfType<YamlMappingNode>() ?? [];

    /// <summary>A statement, or the one inside <c>!If [Condition, statement, !Ref AWS::NoValue]</c> with its condition.</summary>
    private static (YamlMappingNode? Statement, string? Condition) Unwrap(YamlNode node) => node switch
    {
        YamlSequenceNode { Tag.Value: "!If" } conditional => (conditional.Children[1] as YamlMappingNode, ((YamlScalarNode)conditional.Children[0]).Value),
        YamlMappingNode statement => (statement, null),
        _ => (null, null),
    };

    private static string RefTarget(YamlNode node) =>
        node is YamlScalarNode { Tag.Value: "!Ref" } scalar ? scalar.Value! : throw new InvalidOperationException($"not a !Ref: {Text(node)}");

    private static string GetAttTarget(YamlNode node) =>
        node is YamlScalarNode { Tag.Value: "!GetAtt" } scalar ? scalar.Value!.Split('.')[0] : throw new InvalidOperationException($"not a !GetAtt: {Text(node)}");

    private static YamlMappingNode? Map(YamlNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out node))
            {
                return null;
            }
        }

        return node as YamlMappingNode;
    }

    private static string? Scalar(YamlNode? node, params string[] path)
    {
        var parent = Map(node, path[..^1]);
        return parent is not null && parent.Children.TryGetValue(new YamlScalarNode(path[^1]), out var value) && value is YamlScalarNode scalar
            ? scalar.Value
            : null;
    }

    /// <summary>A compact rendering with tags, for "does this mention the parameter" checks.</summary>
    private static string Text(YamlNode node)
    {
        var tag = node.Tag.IsEmpty || node.Tag.Value.StartsWith("tag:", StringComparison.Ordinal) ? "" : node.Tag.Value + " ";
        return node switch
        {
            YamlScalarNode s => tag + s.Value,
            YamlSequenceNode q => tag + "[" + string.Join(",", q.Children.Select(Text)) + "]",
            YamlMappingNode m => tag + "{" + string.Join(",", m.Children.Select(c => Text(c.Key) + ":" + Text(c.Value))) + "}",
            _ => "",
        };
    }
}
