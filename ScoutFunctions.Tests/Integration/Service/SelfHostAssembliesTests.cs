using System.Net;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Service;

/// <summary>
/// A self-hosted process serves and runs its timers without the Functions worker's gRPC client: the host-mode
/// code is kept apart so its assemblies never load. Read from the process's memory map, where the runtime maps
/// every assembly file it loads; in the native AOT self-host, from the binary itself.
/// </summary>
[Trait(ScoutProcess.Trait, ScoutProcess.SelfHost)]
public sealed class SelfHostAssembliesTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static readonly string[] WorkerOnly = ["Microsoft.Azure.Functions.Worker.Grpc.dll", "Grpc.Net.Client.dll", "Grpc.Core.Api.dll", "Google.Protobuf.dll"];

    [Fact]
    public async Task A_serving_self_host_has_not_loaded_the_workers_grpc_assemblies()
    {
        var port = FreePort.Next();
        await using var process = ScoutProcess.Start(
            ("PORT", port.ToString()), ("REDIS_ADDR", "127.0.0.1"), ("REDIS_PORT", redis.Port.ToString()),
            ("AUTH_TOKEN", "assemblies-token"), ("LOG_FORMAT", "json"), ("SCOUT_INTERVAL", "1h"));

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Messages.EventuallyAsync(async () =>
        {
            Assert.False(process.HasExited, "the service exited: " + string.Join("\n", process.Error));
            try
            {
                return (await client.GetAsync($"http://127.0.0.1:{port}/health/ready")).StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "GET /health/ready answers 200", seconds: 15);
        // Every HTTP function once, and the start-up aggregation done, so all of their code has run.
        foreach (var path in new[] { "/", "/health", "/metrics", "/analytics/summary" })
            await client.GetAsync($"http://127.0.0.1:{port}{path}");
        await Messages.EventuallyAsync(() => Task.FromResult(process.Output.Any(l => l.Contains("Executed ") && l.Contains("AggregateAnalytics"))),
            "AggregateAnalytics ran at start-up", seconds: 15);

        if (ScoutProcess.NativeBinary is { } native)
        {
            // Native AOT: no assembly files at all; the worker's code is not compiled in. The binary keeps the names of
            // the types it holds, so the check can see them: the self-host's are there, the worker's gRPC client's are not.
            var binary = System.Text.Encoding.Latin1.GetString(await File.ReadAllBytesAsync(native));
            Assert.Contains("RedisTimerStore", binary);
            Assert.All(["Grpc.Net.Client", "Google.Protobuf", "GrpcWorker", "FunctionsApplication"], name => Assert.DoesNotContain(name, binary));
            return;
        }
        var mapped = File.ReadAllLines($"/proc/{process.Id}/maps").Select(l => Path.GetFileName(l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Last())).ToHashSet();
        // The check can see assemblies: the app's own, the Functions attributes' and the timer trigger's are there.
        Assert.Contains("ScoutFunctions.dll", mapped);
        Assert.Contains("Microsoft.Azure.Functions.Worker.Extensions.Timer.dll", mapped);
        Assert.All(WorkerOnly, assembly => Assert.DoesNotContain(assembly, mapped));
    }
}
