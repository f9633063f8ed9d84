using Elastic.Clients.Elasticsearch;
using Elastic.Transport;

namespace S3Connector.Core.Elasticsearch;

/// <summary>Creates the connector's indices when missing. An existing index is left exactly as the user made it.</summary>
public static class IndexSetup
{
    public const string ContentMappings = """
        {"mappings":{"properties":{
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
          "s3c_observed_at":{"type":"date"}
        }}}
        """;

    public const string JobsMappings = """
        {"mappings":{"properties":{
          "type":{"type":"keyword"},
          "job_id":{"type":"keyword"},
          "unit_id":{"type":"keyword"},
          "index_name":{"type":"keyword"},
          "status":{"type":"keyword"},
          "bucket":{"type":"keyword"},
          "prefix":{"type":"keyword"},
          "page":{"type":"integer"},
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
        var exists = await ElasticsearchRetry.SendAsync(c => client.Indices.ExistsAsync(index, c), ct);
        if (exists.Exists)
        {
            return;
        }

        if (exists.ApiCallDetails.HttpStatusCode is not 404)
        {
            ElasticsearchErrors.ThrowIfFailed(exists.ApiCallDetails, $"check that index '{index}' exists");
        }

        var response = await client.Transport.RequestAsync<StringResponse>(
            Elastic.Transport.HttpMethod.PUT, "/" + Uri.EscapeDataString(index), PostData.String(body), ct);
        var details = response.ApiCallDetails;
        // Another worker may create it between the check and the create: that is success too.
        if (!details.HasSuccessfulStatusCode && !response.Body.Contains("resource_already_exists_exception", StringComparison.Ordinal))
        {
            ElasticsearchErrors.ThrowIfFailed(details, $"creation of index '{index}'");
        }
    }
}
