using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using S3Connector.EsTestServer.Http;
using S3Connector.EsTestServer.Indices;

namespace S3Connector.EsTestServer.Documents;

/// <summary>Concurrency-control and routing options shared by index, create, update and delete (URL or bulk metadata).</summary>
internal sealed class WriteOptions
{
    public long? IfSeqNo { get; set; }

    public long? IfPrimaryTerm { get; set; }

    public long? Version { get; set; }

    public string VersionType { get; set; } = "internal";

    public string? Routing { get; set; }

    public string? Pipeline { get; set; }

    public bool RequireAlias { get; set; }

    public static WriteOptions FromQuery(EsRequest request) => new()
    {
        IfSeqNo = request.Long("if_seq_no"),
        IfPrimaryTerm = request.Long("if_primary_term"),
        Version = request.Long("version"),
        VersionType = ParseVersionType(request.Param("version_type")),
        Routing = request.Param("routing"),
        Pipeline = request.Param("pipeline"),
        RequireAlias = request.Bool("require_alias", false),
    };

    public static string ParseVersionType(string? value) => value switch
    {
        null or "internal" => "internal",
        "external" or "external_gt" => "external",
        "external_gte" => "external_gte",
        _ => throw Errors.IllegalArgument($"No version type match [{value}]"),
    };

    public bool IsExternal => VersionType != "internal";

    /// <summary>DocWriteRequest.validateSeqNoBasedCASParams and the op-specific checks of IndexRequest.validate.</summary>
    public void Validate(string? id, bool isCreate)
    {
        var problems = new List<string>();
        if (IsExternal && Version is null or < 0)
        {
            problems.Add($"illegal version value [{Version ?? -3}] for version type [{VersionType.ToUpperInvariant()}]");
        }

        if (!IsExternal && Version is not null)
        {
            problems.Add("internal versioning can not be used for optimistic concurrency control. Please use `if_seq_no` and `if_primary_term` instead");
        }

        if (IfSeqNo is not null && (IsExternal || Version is not null))
        {
            problems.Add("compare and write operations can not use versioning");
        }

        if (IfSeqNo is not null && IfPrimaryTerm is null)
        {
            problems.Add("ifSeqNo is set, but primary term is [0]");
        }

        if (IfSeqNo is null && IfPrimaryTerm is { } term)
        {
            problems.Add($"ifSeqNo is unassigned, but primary term is [{term}]");
        }

        if (isCreate && IsExternal)
        {
            problems.Add("create operations only support internal versioning. use index instead");
        }

        if (isCreate && IfSeqNo is not null)
        {
            problems.Add("create operations do not support compare and set. use index instead");
        }

        if (id is null && (IsExternal || Version is not null))
        {
            problems.Add("an id must be provided if version type or value are set");
        }

        if (id is not null && System.Text.Encoding.UTF8.GetByteCount(id) > 512)
        {
            problems.Add($"id [{id}] is too long, must be no longer than 512 bytes but was: {System.Text.Encoding.UTF8.GetByteCount(id)}");
        }

        if (Pipeline is { Length: 0 })
        {
            problems.Add("pipeline cannot be an empty string");
        }

        if (problems.Count > 0)
        {
            throw Errors.Validation([.. problems]);
        }

        if (IfSeqNo is < 0)
        {
            throw Errors.IllegalArgument("sequence numbers must be non negative. got [" + IfSeqNo.Value.ToString(CultureInfo.InvariantCulture) + "].");
        }

        if (IfPrimaryTerm is <= 0)
        {
            throw Errors.IllegalArgument("primary term must be positive. got [" + IfPrimaryTerm.Value.ToString(CultureInfo.InvariantCulture) + "]");
        }
    }

    /// <summary>ES auto-generated ids: 20 URL-safe base64 characters.</summary>
    public static string NewId() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', '-').Replace('/', '_');
}

/// <summary>The outcome of one document write, as ES's DocWriteResponse reports it.</summary>
internal sealed record WriteResult(EsIndex Index, string Id, long Version, string Result, long SeqNo)
{
    public bool ForcedRefresh { get; set; }

    public int Status => Result switch
    {
        "created" => 201,
        "not_found" => 404,
        _ => 200,
    };

    public bool IsNoop => Result == "noop";

    /// <summary>The DocWriteResponse fields, shared by the single-document APIs and bulk items.</summary>
    public void WriteFields(Utf8JsonWriter w)
    {
        w.WriteString("_index", Index.Name);
        w.WriteString("_id", Id);
        w.WriteNumber("_version", Version);
        w.WriteString("result", Result);
        if (ForcedRefresh)
        {
            w.WriteBoolean("forced_refresh", true);
        }

        // A noop touches no shard copy.
        w.WriteStartObject("_shards");
        w.WriteNumber("total", IsNoop ? 0 : Index.ShardCopies);
        w.WriteNumber("successful", IsNoop ? 0 : 1);
        w.WriteNumber("failed", 0);
        w.WriteEndObject();
        w.WriteNumber("_seq_no", SeqNo);
        w.WriteNumber("_primary_term", StoredDoc.PrimaryTerm);
    }
}

/// <summary>The refresh parameter of write APIs.</summary>
internal enum RefreshPolicy
{
    None,
    Immediate,
    WaitFor,
}

internal static class RefreshPolicies
{
    public static RefreshPolicy Parse(string? value) => value switch
    {
        null or "false" => RefreshPolicy.None,
        "" or "true" => RefreshPolicy.Immediate,
        "wait_for" => RefreshPolicy.WaitFor,
        _ => throw Errors.IllegalArgument($"Unknown value for refresh: [{value}]."),
    };

    /// <summary>
    /// Applies the policy once the writes are done. wait_for waits for the periodic refresh; when the index has
    /// none it refreshes at once and reports forced_refresh, as ES does when it cannot park the request.
    /// </summary>
    /// <returns>True when a refresh was forced.</returns>
    public static async Task<bool> ApplyAsync(RefreshPolicy policy, IEnumerable<(EsIndex Index, long SeqNo)> writes)
    {
        var forced = false;
        foreach (var group in writes.GroupBy(w => w.Index))
        {
            var index = group.Key;
            var maxSeqNo = group.Max(w => w.SeqNo);
            if (policy == RefreshPolicy.Immediate || (policy == RefreshPolicy.WaitFor && index.RefreshInterval is null))
            {
                index.Refresh();
                forced = true;
            }
            else if (policy == RefreshPolicy.WaitFor)
            {
                await index.WaitForRefreshAsync(maxSeqNo);
            }
        }

        return forced;
    }
}
