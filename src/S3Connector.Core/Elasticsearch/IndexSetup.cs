using Elastic.Clients.Elasticsearch;
using Elastic.Transport;
using S3Connector.Core.Retries;

namespace S3Connector.Core.Elasticsearch;

/// <summary>Creates the connector's indices when missing. An existing index is left exactly as the user made it.</summary>
public static class IndexSetup
{
    /// <summary>
    /// How long the content index must remember a delete's version. Every write carries the time its S3 reading was
    /// taken and is sent by the invocation that took it, which Lambda stops after 15 minutes; a delete reaching
    /// Elasticsearch before a write of an older reading therefore precedes it by less than 15 minutes. With the default
    /// 60s the tombstone could be forgotten in between, and the late write would re-create the document of a deleted
    /// object until the next full sync.
    /// </summary>
    public static readonly TimeSpan GcDeletes = TimeSpan.FromMinutes(20);

    /// <summary><see cref="GcDeletes"/> as Elasticsearch writes time values.</summary>
    public const string GcDeletesSetting = "20m";

    private const string ContentMappingsJson = """
        "mappings":{"properties":{
          "id":{"type":"keyword"},
          "filename":{"type":"keyword","fields":{"text":{"type":"text"}}},
          "bucket":{"type":"keyword"},
          "size_in_bytes":{"type":"long"},
          "owner":{"type":"keyword"},
          "storage_class":{"type":"keyword"},
          "_timestamp":{"type":"date"},
          "body":{"type":"text"},
          "url":{"type":"keyword"},
          "etag":{"type":"keyword"},
          "content_type":{"type":"keyword"},
          "extension":{"type":"keyword"},
          "metadata":{"type":"flattened"},
          "s3c_sync_job_id":{"type":"keyword"},
          "s3c_observed_at":{"type":"date"},
          "s3c_fingerprint":{"type":"keyword"}
        }}
        """;

    /// <summary>The create-index body of the content index: its mappings, and the gc_deletes it needs (see <see cref="GcDeletes"/>).</summary>
    public const string ContentIndex = "{\"settings\":{\"index\":{\"gc_deletes\":\"" + GcDeletesSetting + "\"}}," + ContentMappingsJson + "}";

    /// <summary>For Elastic Cloud Serverless, which refuses index.gc_deletes from users.</summary>
    private const string ContentIndexMappingsOnly = "{" + ContentMappingsJson + "}";

    public const string JobsMappings = """
        {"mappings":{"properties":{
          "type":{"type":"keyword"},
          "job_id":{"type":"keyword"},
          "unit_id":{"type":"keyword"},
          "index_name":{"type":"keyword"},
          "status":{"type":"keyword"},
          "bucket":{"type":"keyword"},
          "prefix":{"type":"keyword"},
          "range":{"type":"object","enabled":false},
          "own":{"type":"object","enabled":false},
          "successors":{"type":"object","enabled":false},
          "scopes":{"type":"object","enabled":false},
          "buckets":{"type":"keyword"},
          "started_at":{"type":"date"},
          "updated_at":{"type":"date"},
          "finished_at":{"type":"date"},
          "error":{"type":"text"},
          "counters":{"type":"object","dynamic":true}
        }}}
        """;

    public static async Task EnsureAsync(ElasticsearchClient client, string index, string body, CancellationToken ct)
    {
        if (!await ExistsAsync(client, index, ct))
        {
            ThrowUnlessCreated(await CreateAsync(client, index, body, ct), index);
        }
    }

    /// <summary>
    /// Creates the content index with <see cref="ContentIndex"/> when missing. Elastic Cloud Serverless refuses
    /// index.gc_deletes from users: there the index is created with its mappings alone rather than not at all, and
    /// the refusal is returned so the caller can say so.
    /// </summary>
    public static async Task<string?> EnsureContentAsync(ElasticsearchClient client, string index, CancellationToken ct)
    {
        if (await ExistsAsync(client, index, ct))
        {
            return null;
        }

        var response = await CreateAsync(client, index, ContentIndex, ct);
        if (!IsSettingRefusedByServerless(response.ApiCallDetails.HttpStatusCode, response.Body))
        {
            ThrowUnlessCreated(response, index);
            return null;
        }

        ThrowUnlessCreated(await CreateAsync(client, index, ContentIndexMappingsOnly, ct), index);
        return response.Body;
    }

    /// <summary>Serverless answers a user's non-public setting with a 400 "Settings [...] are not available when running in serverless mode".</summary>
    public static bool IsSettingRefusedByServerless(int? status, string body) =>
        status == 400
        && body.Contains("index.gc_deletes", StringComparison.Ordinal)
        && body.Contains("not available when running in serverless mode", StringComparison.Ordinal);

    private static async Task<bool> ExistsAsync(ElasticsearchClient client, string index, CancellationToken ct)
    {
        var exists = await RetryPolicy.System.SendAsync(c => client.Indices.ExistsAsync(index, c), ct);
        if (!exists.Exists && exists.ApiCallDetails.HttpStatusCode is not 404)
        {
            ElasticsearchErrors.ThrowIfFailed(exists.ApiCallDetails, $"check that index '{index}' exists");
        }

        return exists.Exists;
    }

    private static Task<StringResponse> CreateAsync(ElasticsearchClient client, string index, string body, CancellationToken ct) =>
        client.Transport.RequestAsync<StringResponse>(
            Elastic.Transport.HttpMethod.PUT, "/" + Uri.EscapeDataString(index), PostData.String(body), ct);

    private static void ThrowUnlessCreated(StringResponse response, string index)
    {
        var details = response.ApiCallDetails;
        // Another worker may create it between the check and the create: that is success too.
        if (!details.HasSuccessfulStatusCode && !response.Body.Contains("resource_already_exists_exception", StringComparison.Ordinal))
        {
            ElasticsearchErrors.ThrowIfFailed(details, $"creation of index '{index}'");
        }
    }
}
