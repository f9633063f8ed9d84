using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.Serialization;
using Elastic.Transport;
using S3Connector.Core.Configuration;
using S3Connector.Core.Json;

namespace S3Connector.Core.Elasticsearch;

public static class ElasticsearchClientFactory
{
    /// <summary>
    /// The source serializer gets the connector's source-generated context: the client's default one compiles
    /// under Native AOT without warnings but fails at run time on document types.
    /// </summary>
    public static ElasticsearchClient Create(ElasticsearchOptions options)
    {
        // The client owns its settings and node pool for the life of the process (clients are created once).
#pragma warning disable CA2000
        var settings = new ElasticsearchClientSettings(
            new SingleNodePool(options.Host),
            sourceSerializer: (_, s) => new DefaultSourceSerializer(s, ConnectorJson.Default));
#pragma warning restore CA2000
        settings.RequestTimeout(TimeSpan.FromSeconds(options.RequestTimeoutSeconds));
        settings.MaximumRetries(0);
        if (options.Trust is { } trust)
        {
            settings.ServerCertificateValidationCallback((_, certificate, chain, errors) => trust.Validate(certificate, chain, errors));
        }

        if (options.ApiKey is { } apiKey)
        {
            settings.Authentication(new ApiKey(apiKey.Reveal()));
        }
        else if (options is { Username: { } user, Password: { } password })
        {
            settings.Authentication(new BasicAuthentication(user, password.Reveal()));
        }

        return new ElasticsearchClient(settings);
    }
}
