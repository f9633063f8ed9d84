using System.Text.Json;
using System.Threading.Channels;
using S3Connector.Core.Json;
using S3Connector.Core.Queue;
using S3Connector.Core.Sync;
using S3Connector.Functions.Events;

namespace S3Connector.Cli.Queue;

/// <summary>
/// SQS's delivery model in one process: each message is handed to the worker handler as an SQS event, a message the
/// handler reports as failed comes back with its receive count raised, and after the maximum it is dead-lettered.
/// </summary>
public sealed class InProcessWorkQueue(int maxReceiveCount) : IWorkQueue
{
    private sealed record Envelope(string Id, string Body, int ReceiveCount);

    private readonly Channel<Envelope> _channel = Channel.CreateUnbounded<Envelope>();
    private readonly List<string> _deadLetters = [];
    private long _outstanding;
    private long _sent;

    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Messages sent and not yet acknowledged or dead-lettered.</summary>
    public long Outstanding => Interlocked.Read(ref _outstanding);

    public IReadOnlyList<string> DeadLetters
    {
        get
        {
            lock (_deadLetters)
            {
                return [.. _deadLetters];
            }
        }
    }

    public Task SendAsync(IReadOnlyList<WorkMessage> messages, CancellationToken ct)
    {
        foreach (var message in messages)
        {
            Interlocked.Increment(ref _outstanding);
            Interlocked.Increment(ref _sent);
            _channel.Writer.TryWrite(new Envelope(Guid.NewGuid().ToString(), JsonSerializer.Serialize(message, ConnectorJson.Default.WorkMessage), 1));
        }

        return Task.CompletedTask;
    }

    /// <summary>Runs <paramref name="consumers"/> loops that deliver messages to <paramref name="handler"/> until cancelled.</summary>
    public Task RunConsumersAsync(int consumers, Func<SqsEvent, Task<SqsBatchResponse>> handler, CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, consumers).Select(_ => ConsumeAsync(handler, ct)));

    private async Task ConsumeAsync(Func<SqsEvent, Task<SqsBatchResponse>> handler, CancellationToken ct)
    {
        try
        {
            await foreach (var envelope in _channel.Reader.ReadAllAsync(ct))
            {
                // ReadAllAsync hands out what is already queued without looking at the token: a stop (Ctrl-C) must
                // stop the consumers, not let them drain the queue.
                ct.ThrowIfCancellationRequested();
                var input = new SqsEvent
                {
                    Records =
                    [
                        new SqsMessage
                        {
                            MessageId = envelope.Id,
                            Body = envelope.Body,
                            EventSource = "aws:sqs",
                            Attributes = new() { ["ApproximateReceiveCount"] = envelope.ReceiveCount.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                        },
                    ],
                };
                bool failed;
                try
                {
                    failed = (await handler(input)).BatchItemFailures.Count > 0;
                }
                catch (Exception) when (!ct.IsCancellationRequested)
                {
                    failed = true;
                }

                if (!failed)
                {
                    Interlocked.Decrement(ref _outstanding);
                }
                else if (envelope.ReceiveCount >= maxReceiveCount)
                {
                    lock (_deadLetters)
                    {
                        _deadLetters.Add(envelope.Body);
                    }

                    Interlocked.Decrement(ref _outstanding);
                }
                else
                {
                    // SQS would hide the message for the visibility timeout; a short pause stands in for it.
                    await Task.Delay(TimeSpan.FromMilliseconds(200 * envelope.ReceiveCount), ct);
                    _channel.Writer.TryWrite(envelope with { ReceiveCount = envelope.ReceiveCount + 1 });
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}
