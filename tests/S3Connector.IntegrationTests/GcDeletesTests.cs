using System.Text.Json.Nodes;
using Elastic.Transport;
using S3Connector.Core.Elasticsearch;
using S3Connector.IntegrationTests.Infrastructure;

namespace S3Connector.IntegrationTests;

/// <summary>
/// Delete tombstones and index.gc_deletes: how long Elasticsearch (and so the test server) remembers a delete's
/// version, that the connector's index remembers it longer than any invocation holds a reading, and that validate
/// warns about an index that does not.
/// </summary>
public sealed class GcDeletesTests(SyncStack stack) : IClassFixture<SyncStack>
{
    // Well past a 100ms gc_deletes even for a real node, whose clock for tombstone ages is cached (200ms by default).
    private static readonly TimeSpan PastShortGcDeletes = TimeSpan.FromMilliseconds(600);

    private async Task<(int Status, JsonNode? Body)> SendAsync(Elastic.Transport.HttpMethod method, string path, string? body = null)
    {
        var response = await stack.Es.Transport.RequestAsync<StringResponse>(method, path, body is null ? null : PostData.String(body));
        var text = response.Body;
        return (response.ApiCallDetails.HttpStatusCode ?? 0, string.IsNullOrEmpty(text) ? null : JsonNode.Parse(text));
    }

    private Task<(int Status, JsonNode? Body)> WriteAsync(string index, string id, long version) =>
        SendAsync(Elastic.Transport.HttpMethod.PUT, $"/{index}/_doc/{id}?version={version}&version_type=external_gte",
            $$"""{"version":{{version}}}""");

    private async Task<JsonNode> SettingsAsync(string index)
    {
        var (status, body) = await SendAsync(Elastic.Transport.HttpMethod.GET, $"/{index}/_settings?include_defaults=true");
        Assert.Equal(200, status);
        return body![index]!;
    }

    private async Task<SyncStack.CliResult> ValidateAsync(string index) =>
        await SyncStack.RunCliAsync("validate", "--config", stack.WriteConfig(index, [await stack.CreateBucketAsync("gcvalidate")]));

    [Fact]
    public async Task An_older_write_after_a_delete_is_refused_until_gc_deletes_forgets_the_delete()
    {
        var index = SyncStack.NewName("gc");
        Assert.Equal(200, (await SendAsync(Elastic.Transport.HttpMethod.PUT, $"/{index}", """{"settings":{"index":{"gc_deletes":"1h"}}}""")).Status);
        Assert.Equal(201, (await WriteAsync(index, "doc", 100)).Status);
        var (deleted, _) = await SendAsync(Elastic.Transport.HttpMethod.DELETE, $"/{index}/_doc/doc?version=300&version_type=external_gte");
        Assert.Equal(200, deleted);

        var (status, conflict) = await WriteAsync(index, "doc", 200);

        Assert.Equal(409, status);
        Assert.Equal("version_conflict_engine_exception", conflict!["error"]!["type"]!.GetValue<string>());
        Assert.Equal(
            "[doc]: version conflict, current version [300] is higher than the one provided [200]",
            conflict["error"]!["reason"]!.GetValue<string>());

        // A dynamic update applies to tombstones already there.
        Assert.Equal(200, (await SendAsync(Elastic.Transport.HttpMethod.PUT, $"/{index}/_settings", """{"index":{"gc_deletes":"100ms"}}""")).Status);
        await Task.Delay(PastShortGcDeletes);
        var (accepted, created) = await WriteAsync(index, "doc", 200);

        Assert.Equal(201, accepted);
        Assert.Equal("created", created!["result"]!.GetValue<string>());
        Assert.Equal(200, created["_version"]!.GetValue<long>());
    }

    [Fact]
    public async Task Internal_versions_restart_once_the_tombstone_expired()
    {
        var index = SyncStack.NewName("gcinternal");
        Assert.Equal(200, (await SendAsync(Elastic.Transport.HttpMethod.PUT, $"/{index}", """{"settings":{"index.gc_deletes":"100ms"}}""")).Status);
        Assert.Equal(201, (await SendAsync(Elastic.Transport.HttpMethod.PUT, $"/{index}/_doc/doc", "{}")).Status);
        Assert.Equal(200, (await SendAsync(Elastic.Transport.HttpMethod.DELETE, $"/{index}/_doc/doc")).Status);
        await Task.Delay(PastShortGcDeletes);

        var (status, created) = await SendAsync(Elastic.Transport.HttpMethod.PUT, $"/{index}/_doc/doc", "{}");

        Assert.Equal(201, status);
        Assert.Equal(1, created!["_version"]!.GetValue<long>());
    }

    [Fact]
    public async Task Gc_deletes_is_printed_as_given_or_as_its_default()
    {
        var given = SyncStack.NewName("gcgiven");
        var unset = SyncStack.NewName("gcunset");
        Assert.Equal(200, (await SendAsync(Elastic.Transport.HttpMethod.PUT, $"/{given}", """{"settings":{"gc_deletes":"90m"}}""")).Status);
        Assert.Equal(200, (await SendAsync(Elastic.Transport.HttpMethod.PUT, $"/{unset}")).Status);

        var givenSettings = await SettingsAsync(given);
        var unsetSettings = await SettingsAsync(unset);

        Assert.Equal("90m", givenSettings["settings"]!["index"]!["gc_deletes"]!.GetValue<string>());
        Assert.Null(givenSettings["defaults"]!["index"]!["gc_deletes"]);
        Assert.Null(unsetSettings["settings"]!["index"]!["gc_deletes"]);
        Assert.Equal("60s", unsetSettings["defaults"]!["index"]!["gc_deletes"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_gc_deletes_that_is_not_a_time_value_is_refused()
    {
        var (status, body) = await SendAsync(Elastic.Transport.HttpMethod.PUT, $"/{SyncStack.NewName("gcbad")}", """{"settings":{"index":{"gc_deletes":"soon"}}}""");

        Assert.Equal(400, status);
        Assert.Contains("failed to parse setting [index.gc_deletes] with value [soon] as a time value", body!["error"]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_connector_creates_its_index_with_gc_deletes_longer_than_an_invocation_and_validate_is_content()
    {
        var bucket = await stack.CreateBucketAsync("gcsync");
        await stack.PutAsync(bucket, "a.txt", "a");
        var index = SyncStack.NewName("gcsync");
        var config = stack.WriteConfig(index, [bucket]);

        var sync = await SyncStack.RunCliAsync("sync", "--config", config);
        var validate = await SyncStack.RunCliAsync("validate", "--config", config);

        Assert.True(sync.ExitCode == 0, sync.Error);
        Assert.Equal(IndexSetup.GcDeletesSetting, (await SettingsAsync(index))["settings"]!["index"]!["gc_deletes"]!.GetValue<string>());
        Assert.Null((await SettingsAsync(index + "-jobs"))["settings"]!["index"]!["gc_deletes"]);
        Assert.True(validate.ExitCode == 0, validate.Error);
        Assert.DoesNotContain("Warning", validate.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_warns_about_an_index_of_the_user_that_forgets_deletes_sooner_and_its_fix_silences_it()
    {
        var index = SyncStack.NewName("gcuser");
        Assert.Equal(200, (await SendAsync(Elastic.Transport.HttpMethod.PUT, $"/{index}", """{"mappings":{"properties":{"id":{"type":"keyword"}}}}""")).Status);

        var warned = await ValidateAsync(index);

        Assert.True(warned.ExitCode == 0, warned.Error);
        var warning = Assert.Single(warned.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith($"Warning: index '{index}' forgets a deleted document's version after index.gc_deletes = 60s", warning, StringComparison.Ordinal);
        const string fix = """{"index":{"gc_deletes":"20m"}}""";
        Assert.EndsWith($"Fix: PUT /{index}/_settings {fix}", warning, StringComparison.Ordinal);

        Assert.Equal(200, (await SendAsync(Elastic.Transport.HttpMethod.PUT, $"/{index}/_settings", fix)).Status);
        var fixedUp = await ValidateAsync(index);

        Assert.True(fixedUp.ExitCode == 0, fixedUp.Error);
        Assert.Equal("", fixedUp.Error);
    }

    [TestServerFact]
    public async Task Validate_says_when_it_cannot_read_the_settings_and_still_succeeds()
    {
        var index = SyncStack.NewName("gcunread");
        Assert.Equal(200, (await SendAsync(Elastic.Transport.HttpMethod.PUT, $"/{index}")).Status);
        stack.EsServer!.Faults.FailRequests(1_000, 500, $"/{index}/_settings");
        try
        {
            var result = await ValidateAsync(index);

            Assert.True(result.ExitCode == 0, result.Error);
            Assert.StartsWith($"Warning: index.gc_deletes of index '{index}' could not be checked: Elasticsearch at ", result.Error, StringComparison.Ordinal);
        }
        finally
        {
            stack.EsServer.Faults.Clear();
        }
    }
}
