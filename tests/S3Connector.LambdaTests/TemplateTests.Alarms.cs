using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using S3Connector.Core.Diagnostics;
using S3Connector.Functions.Runtime;
using S3Connector.Testing;
using YamlDotNet.RepresentationModel;

namespace S3Connector.LambdaTests;

/// <summary>The alarms against the code: the metrics they watch are the ones the functions emit, with the same
/// namespace, dimension and names, and their periods follow the schedule, the queues and the stall limit.</summary>
public sealed partial class TemplateTests
{
    private static IEnumerable<(string Id, YamlMappingNode Properties)> Alarms => OfType("AWS::CloudWatch::Alarm");

    private static YamlMappingNode Alarm(string id)
    {
        var alarm = Alarms.SingleOrDefault(a => a.Id == id).Properties;
        Assert.True(alarm is not null, $"no alarm {id}");
        return alarm;
    }

    /// <summary>The metrics an alarm reads: its own, or each MetricStat of its metric math.</summary>
    private static IEnumerable<YamlMappingNode> WatchedMetrics(YamlMappingNode alarm) =>
        Scalar(alarm, "MetricName") is not null
            ? [alarm]
            : Sequence(alarm, "Metrics")?.Children.OfType<YamlMappingNode>().Select(m => Map(m, "MetricStat", "Metric")).OfType<YamlMappingNode>() ?? [];

    private static int Int(string? value) => int.Parse(value!, CultureInfo.InvariantCulture);

    private static HashSet<string> EmittedMetricNames() => typeof(ConnectorMetrics).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f is { IsLiteral: true } && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void Every_alarm_on_a_connector_metric_names_one_the_code_emits_with_its_namespace_and_dimension()
    {
        var emitted = EmittedMetricNames();
        var watched = 0;
        foreach (var (id, alarm) in Alarms)
        {
            foreach (var metric in WatchedMetrics(alarm))
            {
                var ns = Scalar(metric, "Namespace");
                if (ns is not null && ns.StartsWith("AWS/", StringComparison.Ordinal))
                {
                    continue;
                }

                // Any other namespace is ours, spelled as the writer spells it.
                Assert.True(ns == EmfMetrics.Namespace, $"{id}: namespace '{ns}' is neither AWS/* nor {EmfMetrics.Namespace}");
                var name = Scalar(metric, "MetricName");
                Assert.True(name is not null && emitted.Contains(name), $"{id}: metric '{name}' is not one of ConnectorMetrics' names");
                var dimension = Assert.Single(Sequence(metric, "Dimensions")!.Children.Cast<YamlMappingNode>());
                Assert.Equal(EmfMetrics.IndexDimension, Scalar(dimension, "Name"));
                Assert.Equal("IndexName", RefTarget(dimension.Children[new YamlScalarNode("Value")]));
                watched++;
            }
        }

        Assert.True(watched >= 2, "no alarm watches the connector's own metrics");
    }

    [Fact]
    public void A_failed_sync_alarms_at_once()
    {
        var alarm = Alarm("SyncFailedAlarm");
        Assert.Equal(ConnectorMetrics.SyncFailed, Scalar(alarm, "MetricName"));
        Assert.Equal("Sum", Scalar(alarm, "Statistic"));
        Assert.Equal("1", Scalar(alarm, "Threshold"));
        Assert.Equal("GreaterThanOrEqualToThreshold", Scalar(alarm, "ComparisonOperator"));
        Assert.Equal("1", Scalar(alarm, "EvaluationPeriods"));
        // No sync, no failure: a quiet period is fine.
        Assert.Equal("notBreaching", Scalar(alarm, "TreatMissingData"));
    }

    [Fact]
    public void No_completed_sync_alarms_after_twice_the_schedule_period()
    {
        var alarm = Alarm("NoCompletedSyncAlarm");
        Assert.Equal(ConnectorMetrics.SyncCompleted, Scalar(alarm, "MetricName"));
        Assert.Equal("Sum", Scalar(alarm, "Statistic"));
        Assert.Equal("1", Scalar(alarm, "Threshold"));
        Assert.Equal("LessThanThreshold", Scalar(alarm, "ComparisonOperator"));
        // A scheduler that never starts a job reports nothing: silence must alarm.
        Assert.Equal("breaching", Scalar(alarm, "TreatMissingData"));

        // Period × EvaluationPeriods = 2 h × SchedulePeriodHours = twice the schedule's period, every period breaching.
        var period = Int(Scalar(alarm, "Period"));
        Assert.Equal(2 * 3600, period);
        Assert.Equal("SchedulePeriodHours", RefTarget(alarm.Children[new YamlScalarNode("EvaluationPeriods")]));
        Assert.Equal("SchedulePeriodHours", RefTarget(alarm.Children[new YamlScalarNode("DatapointsToAlarm")]));

        var hours = Map(Template.Value, "Parameters", "SchedulePeriodHours")!;
        Assert.True(Int(Scalar(hours, "MinValue")) >= 1);
        // CloudWatch evaluates an alarm whose period is an hour or more over 7 days at most.
        Assert.True(Int(Scalar(hours, "MaxValue")) * period <= 7 * 86400, "SchedulePeriodHours MaxValue × Period > 7 days");

        // The defaults agree, and so does every environment of samconfig.toml that sets a rate.
        var defaultHours = Int(Scalar(hours, "Default"));
        Assert.Equal(RateHours(Scalar(Map(Template.Value, "Parameters", "ScheduleExpression"), "Default")!), defaultHours);
        var samconfig = File.ReadAllText(Path.Combine(LocalStack.RepoRoot, "samconfig.toml"));
        var environments = Regex.Matches(samconfig, "^parameter_overrides = (.*)$", RegexOptions.Multiline);
        Assert.NotEmpty(environments);
        foreach (var overrides in environments.Select(m => m.Groups[1].Value.Replace("\\\"", "\"", StringComparison.Ordinal)))
        {
            var schedule = Regex.Match(overrides, "ScheduleExpression=\"(rate\\([^\"]*\\))\"");
            var given = Regex.Match(overrides, "SchedulePeriodHours=\"(\\d+)\"");
            if (schedule.Success)
            {
                Assert.True(RateHours(schedule.Groups[1].Value) == (given.Success ? Int(given.Groups[1].Value) : defaultHours),
                    $"samconfig.toml: SchedulePeriodHours does not follow {schedule.Groups[1].Value}");
            }
        }

        var scheduler = Map(Resources, "SchedulerFunction", "Properties", "Events", "Schedule", "Properties")!;
        Assert.Equal("ScheduleExpression", RefTarget(scheduler.Children[new YamlScalarNode("Schedule")]));
    }

    /// <summary>The hours between two runs of a rate expression; anything more frequent than hourly counts as one.</summary>
    private static double RateHours(string expression)
    {
        var rate = Regex.Match(expression, @"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$");
        Assert.True(rate.Success, $"'{expression}' is not a rate(...)");
        var unit = rate.Groups[2].Value.TrimEnd('s') switch { "minute" => 1.0 / 60, "hour" => 1.0, _ => 24.0 };
        return Math.Max(1, Int(rate.Groups[1].Value) * unit);
    }

    [Fact]
    public void The_work_queue_age_alarm_waits_as_long_as_a_job_may_go_without_progress()
    {
        var alarm = Alarm("WorkQueueAgeAlarm");
        Assert.Equal("AWS/SQS", Scalar(alarm, "Namespace"));
        Assert.Equal("ApproximateAgeOfOldestMessage", Scalar(alarm, "MetricName"));
        var dimension = Assert.Single(Sequence(alarm, "Dimensions")!.Children.Cast<YamlMappingNode>());
        Assert.Equal("QueueName", Scalar(dimension, "Name"));
        Assert.Equal("WorkQueue", GetAttTarget(dimension.Children[new YamlScalarNode("Value")]));
        Assert.Equal("GreaterThanThreshold", Scalar(alarm, "ComparisonOperator"));

        var threshold = TimeSpan.FromSeconds(Int(Scalar(alarm, "Threshold")));
        Assert.Equal(Core.Sync.SyncScheduler.StalledAfter, threshold);
        // A range whose worker was killed comes back after the visibility timeout: that alone must not alarm.
        var visibility = Int(Scalar(Map(Resources, "WorkQueue"), "Properties", "VisibilityTimeout"));
        Assert.True(threshold > TimeSpan.FromSeconds(visibility + TimeoutOf("WorkerFunction")),
            $"threshold {threshold} ≤ WorkQueue visibility {visibility} s + worker timeout");
    }

    [Fact]
    public void Every_dead_letter_queue_alarms_on_each_new_dead_letter()
    {
        var deadLetterQueues = OfType("AWS::SQS::Queue")
            .Select(q => Map(q.Properties, "RedrivePolicy"))
            .OfType<YamlMappingNode>()
            .Select(r => GetAttTarget(r.Children[new YamlScalarNode("deadLetterTargetArn")]))
            .ToList();
        Assert.Equal(2, deadLetterQueues.Count);
        foreach (var queue in deadLetterQueues)
        {
            var consumer = Functions.FirstOrDefault(f => Sources(f.Properties).Any(s => Scalar(s, "Type") == "SQS"
                && GetAttTarget(Map(s, "Properties")!.Children[new YamlScalarNode("Queue")]) == queue)).Id;
            var found = consumer is not null
                // Consumed: each dead letter is an invocation of its consumer (the queue's depth stays near 0).
                ? Alarms.Any(a => Scalar(a.Properties, "Namespace") == "AWS/Lambda" && Scalar(a.Properties, "MetricName") == "Invocations"
                    && RefTarget(((YamlMappingNode)Sequence(a.Properties, "Dimensions")!.Children[0]).Children[new YamlScalarNode("Value")]) == consumer)
                // Not consumed: an increase of its depth (never the depth, which would stay in ALARM until a purge).
                : Alarms.Any(a => IsIncreaseOfDepth(a.Properties, queue));
            Assert.True(found, $"{queue}: no alarm on new dead letters");
        }
    }

    private static bool IsIncreaseOfDepth(YamlMappingNode alarm, string queue)
    {
        if (Sequence(alarm, "Metrics") is not { } metrics)
        {
            return false;
        }

        var depth = metrics.Children.OfType<YamlMappingNode>().FirstOrDefault(m =>
            Scalar(m, "MetricStat", "Metric", "MetricName") == "ApproximateNumberOfMessagesVisible"
            && Sequence(Map(m, "MetricStat", "Metric"), "Dimensions")!.Children.Cast<YamlMappingNode>()
                .Any(d => GetAttTarget(d.Children[new YamlScalarNode("Value")]) == queue));
        var expression = metrics.Children.OfType<YamlMappingNode>().Select(m => Scalar(m, "Expression")).OfType<string>().SingleOrDefault();
        return depth is not null && expression is not null
            && expression.Contains($"DIFF(FILL({Scalar(depth, "Id")}, 0))", StringComparison.Ordinal)
            && Scalar(alarm, "ComparisonOperator") == "GreaterThanThreshold" && Scalar(alarm, "Threshold") == "0"
            && Scalar(alarm, "TreatMissingData") == "notBreaching";
    }

    [Fact]
    public void Every_alarm_notifies_the_alarm_topic()
    {
        Assert.NotEmpty(Alarms);
        foreach (var (id, alarm) in Alarms)
        {
            Assert.True(alarm.Children.TryGetValue(new YamlScalarNode("AlarmActions"), out var actions), $"{id} has no AlarmActions");
            Assert.Equal("!If [HasAlarmTopic,[!Ref AlarmTopicArn],!Ref AWS::NoValue]", Text(actions));
        }
    }

    [Fact]
    public void The_functions_log_level_lets_the_metric_lines_through()
    {
        // Metric lines carry no level, which Lambda reads as INFO: a higher ApplicationLogLevel would drop every metric.
        foreach (var (id, properties) in Functions)
        {
            var config = Map(properties, "LoggingConfig");
            var format = Scalar(config, "LogFormat") ?? Scalar(GlobalFunction, "LoggingConfig", "LogFormat");
            var level = Scalar(config, "ApplicationLogLevel") ?? Scalar(GlobalFunction, "LoggingConfig", "ApplicationLogLevel");
            Assert.Equal("JSON", format);
            Assert.True(level is "TRACE" or "DEBUG" or "INFO", $"{id}: ApplicationLogLevel {level} drops the metric lines");
        }
    }
}
