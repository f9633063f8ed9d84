using S3Connector.Testing;

namespace S3Connector.IntegrationTests.Infrastructure;

/// <summary>
/// The stack on moto_server instead of fauxqs: S3, SQS, STS and SSM of an emulator that was not patched to the
/// connector's needs, so a scenario that passes on both does not pass only because of fauxqs's patches.
/// </summary>
public sealed class MotoStack : S3SyncStack
{
    public MotoServer Moto => (MotoServer)S3Stack;

    protected override async Task<IS3Stack> StartS3StackAsync() => await MotoServer.StartAsync();
}
