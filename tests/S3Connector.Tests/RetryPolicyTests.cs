using S3Connector.Core.Retries;

namespace S3Connector.Tests;

public sealed class RetryPolicyTests
{
    [Theory]
    [InlineData(1, 15, 30)]
    [InlineData(2, 30, 60)]
    [InlineData(4, 120, 240)]
    [InlineData(20, 450, 900)]
    public void A_returned_message_comes_back_after_a_doubling_jittered_delay_capped_at_15_minutes(int receiveCount, int min, int max)
    {
        for (var i = 0; i < 50; i++)
        {
            Assert.InRange(RetryPolicy.RedeliveryDelay(receiveCount), TimeSpan.FromSeconds(min), TimeSpan.FromSeconds(max));
        }
    }
}
