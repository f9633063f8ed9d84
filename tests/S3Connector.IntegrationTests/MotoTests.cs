using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Amazon.SQS.Model;
using S3Connector.Core.Documents;
using S3Connector.EsTestServer;
using S3Connector.Functions.Events;
using S3Connector.IntegrationTests.Infrastructure;
using S3Connector.Testing;

namespace S3Connector.IntegrationTests;

/// <summary>
/// The connector against a second, unpatched S3 implementation (moto_server): a sync, the credential paths that need
/// STS and SSM at <c>endpoint_url</c>, and S3 → SQS notifications that moto generates itself.
/// </summary>
public sealed class MotoTests(MotoStack stack) : IClassFixture<MotoStack>
{
    /// <summary>A dozen keys with the characters that break naive encoding, over nested prefixes.</summary>
    private static readonly (string Key, string Content)[] Objects =
    [
        ("readme.txt", "Top-level text."),
        ("with space/a file.txt", "Spaces in the prefix and the name."),
        ("plus+sign/a+b.md", "# Plus signs"),
        ("percent/100%.txt", "A bare percent sign."),
        ("percent/encoded%20not-a-space.json", "{\"n\":1}"),
        ("ünïcödé/日本語.txt", "Non-ASCII key."),
        ("emoji/😀 smile.txt", "Outside the BMP."),
        ("a/b/c/d/deep.csv", "a,b\n1,2"),
        ("a/b/sibling.txt", "Sibling of a deeper prefix."),
        ("a/b/folder/", ""),
        ("punct/!$&'()*,;=@.txt", "Sub-delimiters."),
        ("binary.bin", "not extracted"),
    ];

    [Fact]
    public async Task A_full_sync_makes_the_index_equal_to_the_bucket_and_a_second_sync_follows_deletes()
    {
        var bucket = await stack.CreateBucketAsync("moto-full");
        foreach (var (key, content) in Objects)
        {
            await stack.PutAsync(bucket, key, content);
        }

        var index = SyncStack.NewName("moto-full");
        var config = stack.WriteConfig(index, [bucket]);

        var first = await SyncStack.RunCliAsync("sync", "--config", config);

        Assert.True(first.ExitCode == 0, first.Error + first.Output);
        var documents = await stack.ReadIndexAsync(index);
        Assert.Equal(Ids(bucket, Objects.Select(o => o.Key)), documents.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, content) in Objects)
        {
            var doc = documents[ObjectKeys.DocumentId(bucket, key)];
            Assert.Equal(key, doc["filename"]!.GetValue<string>());
            Assert.Equal($"s3://{bucket}/{key}", doc["url"]!.GetValue<string>());
            Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(content), doc["size_in_bytes"]!.GetValue<long>());
        }

        Assert.Equal("Non-ASCII key.", documents[ObjectKeys.DocumentId(bucket, "ünïcödé/日本語.txt")]["body"]!.GetValue<string>());
        Assert.Equal("A bare percent sign.", documents[ObjectKeys.DocumentId(bucket, "percent/100%.txt")]["body"]!.GetValue<string>());

        string[] deleted = ["plus+sign/a+b.md", "percent/encoded%20not-a-space.json"];
        foreach (var key in deleted)
        {
            await stack.S3.DeleteObjectAsync(bucket, key);
        }

        var second = await SyncStack.RunCliAsync("sync", "--config", config);

        Assert.True(second.ExitCode == 0, second.Error + second.Output);
        Assert.Matches(@"deleted\s+2\b", second.Output);
        var after = await stack.ReadIndexAsync(index);
        Assert.Equal(Ids(bucket, Objects.Select(o => o.Key).Except(deleted)), after.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task With_role_arn_the_role_is_assumed_through_sts_at_endpoint_url()
    {
        var bucket = await stack.CreateBucketAsync("moto-role");
        await stack.PutAsync(bucket, "doc.txt", "Read with the assumed role.");
        // Unique per run, so the state dump shows this test's AssumeRole and no other's.
        var roleArn = $"arn:aws:iam::123456789012:role/s3-connector-{Guid.NewGuid():N}";
        var index = SyncStack.NewName("moto-role");

        var result = await SyncStack.RunCliAsync("sync", "--config", stack.WriteConfig(index, [bucket], c => c["role_arn"] = roleArn));

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.Equal(Ids(bucket, ["doc.txt"]), (await stack.ReadIndexAsync(index)).Keys);
        var state = await stack.Moto.GetStateAsync();
        var assumed = state["sts"]?["AssumedRole"]?.AsArray().Where(r => r?["role_arn"]?.GetValue<string>() == roleArn).ToList() ?? [];
        Assert.NotEmpty(assumed);
        Assert.All(assumed, r => Assert.Equal("s3-lambda-connector", r!["session_name"]!.GetValue<string>()));
        // Credentials are cached until shortly before they expire, not fetched per client or request.
        Assert.Single(assumed);
    }

    [Fact]
    public async Task Temporary_credentials_with_a_session_token_work()
    {
        var bucket = await stack.CreateBucketAsync("moto-token");
        await stack.PutAsync(bucket, "doc.txt", "Read with a session token.");
        using var sts = new AmazonSecurityTokenServiceClient(MotoServer.Credentials, new AmazonSecurityTokenServiceConfig
        {
            ServiceURL = stack.Moto.Endpoint.ToString(),
            AuthenticationRegion = MotoServer.Region,
        });
        var session = (await sts.GetSessionTokenAsync(new GetSessionTokenRequest())).Credentials;
        Assert.False(string.IsNullOrEmpty(session.SessionToken));
        var index = SyncStack.NewName("moto-token");
        var config = stack.WriteConfig(index, [bucket], c =>
        {
            c["aws_access_key_id"] = session.AccessKeyId;
            c["aws_secret_access_key"] = session.SecretAccessKey;
            c["aws_session_token"] = session.SessionToken;
        });

        var result = await SyncStack.RunCliAsync("sync", "--config", config, "--verbose");

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.Equal("Read with a session token.",
            (await stack.ReadIndexAsync(index))[ObjectKeys.DocumentId(bucket, "doc.txt")]["body"]!.GetValue<string>());
        Assert.DoesNotContain(session.SessionToken, result.Output + result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(session.SecretAccessKey, result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_elasticsearch_api_key_is_read_from_an_ssm_secure_string_at_endpoint_url()
    {
        const string apiKey = "bW90by1pZDptb3RvLXNlY3JldA==";
        var parameter = $"/s3-connector/{Guid.NewGuid():N}/es-api-key";
        using var ssm = new AmazonSimpleSystemsManagementClient(MotoServer.Credentials, new AmazonSimpleSystemsManagementConfig
        {
            ServiceURL = stack.Moto.Endpoint.ToString(),
            AuthenticationRegion = MotoServer.Region,
        });
        await ssm.PutParameterAsync(new PutParameterRequest { Name = parameter, Value = apiKey, Type = ParameterType.SecureString });
        // This server answers 401 to any request without "Authorization: ApiKey <apiKey>".
        await using var secured = await EsTestServerHost.StartAsync(new EsTestServerOptions { ApiKey = apiKey });
        using (var anonymous = new HttpClient { BaseAddress = secured.Url })
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
        }

        var bucket = await stack.CreateBucketAsync("moto-ssm");
        await stack.PutAsync(bucket, "doc.txt", "Indexed with the key from SSM.");
        var index = SyncStack.NewName("moto-ssm");
        var config = stack.WriteConfig(index, [bucket], c => c["elasticsearch"] = new JsonObject
        {
            ["host"] = secured.Url.ToString(),
            ["api_key_ssm_parameter"] = parameter,
        });

        var result = await SyncStack.RunCliAsync("sync", "--config", config, "--verbose");

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        var requests = secured.Requests;
        Assert.Contains(requests, r => r.Path == $"/{index}/_bulk" && r.StatusCode == 200);
        Assert.DoesNotContain(requests, r => r.StatusCode == 401 && r.Path != "/");
        var es = new Elastic.Clients.Elasticsearch.ElasticsearchClient(
            new Elastic.Clients.Elasticsearch.ElasticsearchClientSettings(secured.Url).Authentication(new Elastic.Transport.ApiKey(apiKey)));
        Assert.Equal(Ids(bucket, ["doc.txt"]), (await SyncStack.ReadIndexAsync(es, index)).Keys);
        Assert.DoesNotContain(apiKey, result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task User_metadata_is_indexed_and_a_glacier_object_is_metadata_only_and_never_fetched()
    {
        var bucket = await stack.CreateBucketAsync("moto-meta");
        await stack.PutAsync(bucket, "notes.txt", "Warm notes.", metadata: new Dictionary<string, string>
        {
            ["x-amz-meta-author"] = "moto",
            ["x-amz-meta-project"] = "connector",
        });
        await stack.PutAsync(bucket, "cold.txt", "Archived notes.", storageClass: "GLACIER");
        var index = SyncStack.NewName("moto-meta");

        var result = await SyncStack.RunCliAsync("sync", "--config", stack.WriteConfig(index, [bucket]));

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.Contains("archived_storage_class: 1", result.Output, StringComparison.Ordinal);
        var documents = await stack.ReadIndexAsync(index);
        var notes = documents[ObjectKeys.DocumentId(bucket, "notes.txt")];
        Assert.Equal("Warm notes.", notes["body"]!.GetValue<string>());
        Assert.Equal("STANDARD", notes["storage_class"]!.GetValue<string>());
        var metadata = notes["metadata"]!.AsObject();
        Assert.Equal("moto", metadata["author"]!.GetValue<string>());
        Assert.Equal("connector", metadata["project"]!.GetValue<string>());
        var cold = documents[ObjectKeys.DocumentId(bucket, "cold.txt")];
        Assert.Equal("GLACIER", cold["storage_class"]!.GetValue<string>());
        // Never fetched: no body, and no metadata or content type, which only a GET returns.
        Assert.Null(cold["body"]);
        Assert.Null(cold["metadata"]);
        Assert.Null(cold["content_type"]);
    }

    [Fact]
    public async Task Events_moto_sends_to_an_sqs_queue_keep_the_index_equal_to_the_bucket()
    {
        var bucket = await stack.CreateBucketAsync("moto-events");
        using var sqs = stack.Moto.CreateSqsClient();
        var queueUrl = (await sqs.CreateQueueAsync(SyncStack.NewName("moto-events"))).QueueUrl;
        var queueArn = (await sqs.GetQueueAttributesAsync(queueUrl, ["QueueArn"])).QueueARN;
        await stack.S3.PutBucketNotificationAsync(new PutBucketNotificationRequest
        {
            BucketName = bucket,
            QueueConfigurations =
            [
                new QueueConfiguration { Queue = queueArn, Events = [EventType.ObjectCreatedAll, EventType.ObjectRemovedAll] },
            ],
        });
        var index = SyncStack.NewName("moto-events");
        var config = stack.WriteConfig(index, [bucket]);
        string[] keys = ["events/a b.txt", "events/c+d.txt", "events/ünï.txt"];
        foreach (var key in keys)
        {
            await stack.PutAsync(bucket, key, "created " + key);
        }

        var created = await ApplyQueuedEventsAsync(sqs, queueUrl, config);

        Assert.True(created.ExitCode == 0, created.Error + created.Output);
        Assert.Contains("3 indexed", created.Output, StringComparison.Ordinal);
        var documents = await stack.ReadIndexAsync(index);
        Assert.Equal(Ids(bucket, keys), documents.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("created events/c+d.txt", documents[ObjectKeys.DocumentId(bucket, "events/c+d.txt")]["body"]!.GetValue<string>());

        await stack.S3.DeleteObjectAsync(bucket, "events/c+d.txt");
        await stack.PutAsync(bucket, "events/a b.txt", "updated");

        var changed = await ApplyQueuedEventsAsync(sqs, queueUrl, config);

        Assert.True(changed.ExitCode == 0, changed.Error + changed.Output);
        Assert.Contains("1 deleted", changed.Output, StringComparison.Ordinal);
        var after = await stack.ReadIndexAsync(index);
        Assert.Equal(Ids(bucket, ["events/a b.txt", "events/ünï.txt"]), after.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("updated", after[ObjectKeys.DocumentId(bucket, "events/a b.txt")]["body"]!.GetValue<string>());
    }

    /// <summary>
    /// Drains the queue into one SQS batch, as Lambda's event source mapping would deliver it, and hands it to the CLI's
    /// <c>event</c> verb; the messages are then deleted, as Lambda does after a successful batch.
    /// </summary>
    private static async Task<SyncStack.CliResult> ApplyQueuedEventsAsync(Amazon.SQS.IAmazonSQS sqs, string queueUrl, string config)
    {
        var messages = new List<Message>();
        while (true)
        {
            var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = queueUrl,
                MaxNumberOfMessages = 10,
                WaitTimeSeconds = 1,
                MessageSystemAttributeNames = ["All"],
            });
            if (received.Messages is not { Count: > 0 })
            {
                break;
            }

            messages.AddRange(received.Messages);
        }

        Assert.NotEmpty(messages);
        var batch = new SqsEvent
        {
            Records = messages.Select(m => new SqsMessage
            {
                MessageId = m.MessageId,
                ReceiptHandle = m.ReceiptHandle,
                Body = m.Body,
                EventSource = "aws:sqs",
                Attributes = m.Attributes ?? [],
            }).ToList(),
        };
        var path = Path.Combine(Path.GetTempPath(), $"moto-events-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(batch, FunctionJson.Default.SqsEvent));
        var result = await SyncStack.RunCliAsync("event", "--config", config, path);
        foreach (var message in messages)
        {
            await sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle);
        }

        return result;
    }

    private static List<string> Ids(string bucket, IEnumerable<string> keys) =>
        keys.Select(k => ObjectKeys.DocumentId(bucket, k)).Order(StringComparer.Ordinal).ToList();
}
