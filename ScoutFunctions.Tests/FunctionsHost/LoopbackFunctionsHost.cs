using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scout.Tests.FunctionsHost.Rpc;

namespace Scout.Tests.FunctionsHost;

/// <summary>
/// Plays the Azure Functions host towards one isolated worker over the host's public gRPC protocol
/// (FunctionRpc.EventStream): a Kestrel HTTP/2 listener on a loopback port, which the worker dials when it is
/// started with <c>--functions-uri</c>. Every message the worker sends is queued for the test to read in order
/// (its logs are kept apart); the test writes the host's requests.
/// </summary>
public sealed class LoopbackFunctionsHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<StreamingMessage> _inbound = Channel.CreateUnbounded<StreamingMessage>();
    private readonly TaskCompletionSource<IServerStreamWriter<StreamingMessage>> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _writing = new(1, 1);

    private LoopbackFunctionsHost(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public Uri Uri => new($"http://127.0.0.1:{Port}/");

    /// <summary>The worker's log lines (RpcLog), for failure messages.</summary>
    public ConcurrentQueue<string> WorkerLogs { get; } = new();

    public static async Task<LoopbackFunctionsHost> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = null);
        builder.Services.AddSingleton<EventStreamService>();
        var app = builder.Build();
        var host = new LoopbackFunctionsHost(app, port);
        app.Services.GetRequiredService<EventStreamService>().Host = host;
        app.MapGrpcService<EventStreamService>();
        await app.StartAsync();
        return host;
    }

    /// <summary>Sends one message to the worker, once it has opened its event stream.</summary>
    public async Task SendAsync(StreamingMessage message)
    {
        var writer = await _connected.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await _writing.WaitAsync();
        try
        {
            await writer.WriteAsync(message);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>The next message from the worker that is not a log line.</summary>
    public async Task<StreamingMessage> ReceiveAsync(TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            while (true)
            {
                var message = await _inbound.Reader.ReadAsync(timeout.Token);
                if (message.ContentCase == StreamingMessage.ContentOneofCase.RpcLog)
                {
                    WorkerLogs.Enqueue($"{message.RpcLog.Level} {message.RpcLog.Category}: {message.RpcLog.Message} {message.RpcLog.Exception?.Message}");
                    continue;
                }
                return message;
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no message from the worker within {bound}; its logs:\n{string.Join("\n", WorkerLogs)}");
        }
    }

    /// <summary>The next message from the worker, which must be of the given kind.</summary>
    public async Task<StreamingMessage> ReceiveAsync(StreamingMessage.ContentOneofCase kind, TimeSpan bound)
    {
        var message = await ReceiveAsync(bound);
        Assert.True(message.ContentCase == kind, $"expected {kind} from the worker, got {message.ContentCase}: {message}\nits logs:\n{string.Join("\n", WorkerLogs)}");
        return message;
    }

    public async ValueTask DisposeAsync()
    {
        _closed.TrySetResult();
        await _app.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
        await _app.DisposeAsync();
        _writing.Dispose();
    }

    private sealed class EventStreamService : FunctionRpc.FunctionRpcBase
    {
        public LoopbackFunctionsHost Host { get; set; } = null!;

        public override async Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
        {
            if (!Host._connected.TrySetResult(responseStream))
                throw new Grpc.Core.RpcException(new Status(StatusCode.AlreadyExists, "one worker per loopback host"));
            var reading = Task.Run(async () =>
            {
                try
                {
                    await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
                        await Host._inbound.Writer.WriteAsync(message);
                }
                catch (Exception) when (context.CancellationToken.IsCancellationRequested)
                {
                }
                finally
                {
                    Host._inbound.Writer.TryComplete();
                }
            });
            // The stream stays open until the test is done with the worker (or the worker goes away).
            await Task.WhenAny(Host._closed.Task, reading, Task.Delay(Timeout.Infinite, context.CancellationToken));
        }
    }
}
