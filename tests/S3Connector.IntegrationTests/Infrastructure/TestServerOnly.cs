namespace S3Connector.IntegrationTests.Infrastructure;

/// <summary>
/// Why a test that injects faults into Elasticsearch is skipped when <c>ES_URL</c> names a real cluster: only the test
/// server takes faults. Decided when the tests are discovered, so xunit reports them as skipped (2.x has no dynamic skip).
/// </summary>
public static class TestServerOnly
{
    public const string Reason = "injects faults into Elasticsearch, which only the test server takes (ES_URL is set)";

    public static string? SkipReason => Environment.GetEnvironmentVariable("ES_URL") is { Length: > 0 } ? Reason : null;
}

/// <summary>A [Fact] that runs only against the Elasticsearch test server (see <see cref="TestServerOnly"/>).</summary>
public sealed class TestServerFactAttribute : FactAttribute
{
    public TestServerFactAttribute() => Skip = TestServerOnly.SkipReason;
}

/// <summary>A [Theory] that runs only against the Elasticsearch test server (see <see cref="TestServerOnly"/>).</summary>
public sealed class TestServerTheoryAttribute : TheoryAttribute
{
    public TestServerTheoryAttribute() => Skip = TestServerOnly.SkipReason;
}
