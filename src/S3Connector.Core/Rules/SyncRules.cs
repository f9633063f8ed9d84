using System.Globalization;
using System.Text.RegularExpressions;
using S3Connector.Core.Configuration;
using S3Connector.Core.Documents;
using S3Connector.Core.S3;

namespace S3Connector.Core.Rules;

public enum RuleVerdict
{
    Include,
    Exclude,

    /// <summary>A rule on a field only a fetch reveals must run before any later rule may decide; ask again with the fetched fields.</summary>
    NeedsFetch,
}

/// <param name="RuleId">The deciding rule: a basic rule's id, <c>advanced_sync_rules</c> or <c>buckets</c>; null when nothing matched.</param>
/// <param name="TimedOut">The deciding regex ran out of time; the object is excluded rather than risk indexing what a rule excludes.</param>
public readonly record struct RuleDecision(RuleVerdict Verdict, string? RuleId, bool TimedOut = false)
{
    public static readonly RuleDecision IncludedByDefault = new(RuleVerdict.Include, null);
}

/// <summary>Document fields that exist only after GetObject; null when the object was not (or could not be) fetched.</summary>
public sealed record FetchedFields(string? ContentType, string? Body)
{
    public static readonly FetchedFields NotFetched = new(null, null);

    public static FetchedFields From(S3Document document) => new(document.ContentType, document.Body);
}

/// <summary>One ListObjectsV2 listing a full sync makes under advanced rules.</summary>
/// <param name="RuleIndex">The first rule that asked for this listing, for diagnostics only: the filter is the bucket's.</param>
public sealed record ListingTarget(string Bucket, string Prefix, int RuleIndex);

/// <summary>
/// The one evaluator of sync rules (CONTRACT §4), shared by the page worker and the S3-events path. It decides from
/// the listing whenever it can, so an excluded object costs no GetObject or HeadObject.
/// </summary>
/// <remarks>
/// Overlapping advanced rules: a bucket is listed once per <em>minimal</em> prefix (a rule whose prefix starts with
/// another rule's prefix adds no listing), and every listed key passes if <em>any</em> of the bucket's rules covers
/// it (its prefix and extensions). A key is therefore listed, downloaded and indexed once however the rules
/// overlap, and the result equals the union of what the rules select.
/// </remarks>
public sealed class SyncRules
{
    private readonly Dictionary<string, AdvancedRule[]> _advanced;
    private readonly HashSet<string>? _buckets;
    private readonly BasicRule[] _basic;

    public SyncRules(IReadOnlyList<AdvancedRule> advanced, IReadOnlyList<BasicRule> basic, IReadOnlyList<string>? buckets = null)
    {
        _advanced = advanced.GroupBy(r => r.Bucket, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        _buckets = advanced.Count == 0 && buckets is { Count: > 0 } && buckets is not ["*"]
            ? new HashSet<string>(buckets, StringComparer.Ordinal)
            : null;
        // The original drops DEFAULT (include everything) and sorts by order; OrderBy is stable, so ties keep list order.
        _basic = basic.Where(r => r.Id != BasicRule.DefaultRuleId).OrderBy(r => r.Order).ToArray();
        NeedsFetchedFields = _basic.Any(r => !r.Field.KnownAtListing);
    }

    public static SyncRules From(ConnectorOptions options) => new(options.AdvancedSyncRules, options.BasicSyncRules, options.Buckets);

    /// <summary>True when some basic rule reads a field only a fetch reveals.</summary>
    public bool NeedsFetchedFields { get; }

    /// <summary>
    /// The listings a full sync makes for advanced rules: per bucket, the rules' prefixes without those another
    /// prefix already covers. Every key under a dropped prefix is listed by the covering one, and
    /// <see cref="Decide"/> applies all of the bucket's rules to it.
    /// </summary>
    public static IReadOnlyList<ListingTarget> ListingTargets(IReadOnlyList<AdvancedRule> rules)
    {
        var targets = new List<ListingTarget>();
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            var covered = false;
            for (var j = 0; j < rules.Count && !covered; j++)
            {
                var other = rules[j];
                if (j == i || other.Bucket != rule.Bucket || !rule.Prefix.StartsWith(other.Prefix, StringComparison.Ordinal))
                {
                    continue;
                }

                // Equal prefixes: keep the first. A strictly shorter prefix always wins.
                covered = other.Prefix.Length < rule.Prefix.Length || j < i;
            }

            if (!covered)
            {
                targets.Add(new ListingTarget(rule.Bucket, rule.Prefix, i));
            }
        }

        return targets;
    }

    /// <summary>
    /// Decides one object: advanced rules (or the configured buckets) first, then the basic rules in ascending
    /// order, first match decides, no match includes. Without <paramref name="fetched"/>, a rule on a fetched field
    /// that must run before the decision yields <see cref="RuleVerdict.NeedsFetch"/>.
    /// </summary>
    public RuleDecision Decide(S3ObjectInfo obj, FetchedFields? fetched = null)
    {
        if (_advanced.Count > 0 && !CoveredByAdvancedRule(obj))
        {
            return new RuleDecision(RuleVerdict.Exclude, "advanced_sync_rules");
        }

        if (_buckets is not null && !_buckets.Contains(obj.Bucket))
        {
            return new RuleDecision(RuleVerdict.Exclude, "buckets");
        }

        foreach (var rule in _basic)
        {
            string? text = null;
            if (!rule.Field.KnownAtListing)
            {
                if (fetched is null)
                {
                    return new RuleDecision(RuleVerdict.NeedsFetch, rule.Id);
                }

                text = rule.Field.Name == "content_type" ? fetched.ContentType : fetched.Body;
                if (text is null)
                {
                    // The original's rule: a field the document does not have matches nothing.
                    continue;
                }
            }

            bool matched;
            try
            {
                matched = Matches(rule, obj, text);
            }
            catch (RegexMatchTimeoutException)
            {
                return new RuleDecision(RuleVerdict.Exclude, rule.Id, TimedOut: true);
            }

            if (matched)
            {
                return new RuleDecision(rule.Policy == RulePolicy.Include ? RuleVerdict.Include : RuleVerdict.Exclude, rule.Id);
            }
        }

        return RuleDecision.IncludedByDefault;
    }

    private bool CoveredByAdvancedRule(S3ObjectInfo obj)
    {
        if (!_advanced.TryGetValue(obj.Bucket, out var rules))
        {
            return false;
        }

        foreach (var rule in rules)
        {
            if (obj.Key.StartsWith(rule.Prefix, StringComparison.Ordinal) && rule.MatchesExtension(obj.Key))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Matches(BasicRule rule, S3ObjectInfo obj, string? fetchedText)
    {
        // Typed comparisons first: they need no string, which keeps the common size and date rules allocation-free.
        switch (rule.Field.Kind)
        {
            case FieldKind.Number when rule.Number is { } number:
                return Compare(rule.Operator, ((double)obj.Size).CompareTo(number));
            case FieldKind.Date when rule.Date is { } date:
                return Compare(rule.Operator, obj.LastModified.UtcDateTime.CompareTo(date.UtcDateTime));
        }

        var value = fetchedText ?? ListingText(rule.Field.Name, obj);
        return rule.Operator switch
        {
            BasicRuleOperator.Equals => string.Equals(value, rule.Value, StringComparison.Ordinal),
            BasicRuleOperator.Contains => value.Contains(rule.Value, StringComparison.Ordinal),
            BasicRuleOperator.StartsWith => value.StartsWith(rule.Value, StringComparison.Ordinal),
            BasicRuleOperator.EndsWith => value.EndsWith(rule.Value, StringComparison.Ordinal),
            BasicRuleOperator.Regex => rule.Pattern!.IsMatch(value),
            // Python compares str by code point; ordinal comparison is the same order.
            _ => Compare(rule.Operator, string.CompareOrdinal(value, rule.Value)),
        };
    }

    private static bool Compare(BasicRuleOperator op, int comparison) => op switch
    {
        BasicRuleOperator.Equals => comparison == 0,
        BasicRuleOperator.LessThan => comparison < 0,
        BasicRuleOperator.GreaterThan => comparison > 0,
        _ => false,
    };

    /// <summary>The field as the indexed document spells it (CONTRACT §2), so rules see what users see in the index.</summary>
    private static string ListingText(string field, S3ObjectInfo obj) => field switch
    {
        "id" => ObjectKeys.DocumentId(obj.Bucket, obj.Key),
        "filename" => obj.Key,
        "bucket" => obj.Bucket,
        "size_in_bytes" => obj.Size.ToString(CultureInfo.InvariantCulture),
        "owner" => obj.Owner,
        "storage_class" => obj.StorageClass,
        "_timestamp" => DocumentBuilder.FormatTimestamp(obj.LastModified),
        "url" => $"s3://{obj.Bucket}/{obj.Key}",
        "etag" => obj.ETag,
        "extension" => ObjectKeys.Extension(obj.Key),
        _ => "",
    };
}
