using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Scout.Analytics;
using Scout.Caching;
using Scout.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Scout.Tests.Integration.Load;

/// <summary>
/// Steady concurrent load on a replica whose real redis-server freezes (SIGSTOP) for several seconds, or is killed and
/// restarted from its append-only file: every request is answered at once from the snapshots the replica holds, and
/// Redis sees a number of GETs set by the keys held and their refresh rate, not by the request rate (INFO commandstats).
/// Runs in the soak collection: alone, so its latencies are the app's and not other tests'.
/// </summary>
[Collection(SoakCollection.Name)]
public sealed class FrozenRedisLoadTests(ITestOutputHelper output)
{
    private const int Connections = 16;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(14);
    private static readonly TimeSpan FaultAt = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan FaultFor = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RecoveryAt = FaultAt + FaultFor + TimeSpan.FromSeconds(1);

    /// <summary>What a client may wait for any answer: requests are served from memory, never from a frozen Redis.</summary>
    private static readonly TimeSpan AnswerBound = TimeSpan.FromSeconds(1);

    // Windows: all plus the settings' 1h, 24h and the default alert window 5m.
    private static readonly string[] Windows = ["all", "5m", "1h", "24h"];
    private static readonly string[] Timers = ["AggregateAnalytics", "EvaluateAlerts", "PruneRetention"];

    private static readonly string[] Paths =
    [
        .. Windows.SelectMany(w => new[] { $"/analytics/summary?window={w}", $"/analytics/systems?window={w}", $"/analytics/alerts?window={w}" }),
        "/health", "/metrics",
    ];

    [Fact]
    public Task A_replica_under_load_answers_every_request_at_once_while_redis_is_frozen() =>
        RunAsync(freeze: true);

    [Fact]
    public Task A_replica_under_load_answers_every_request_at_once_while_redis_is_killed_and_restarted() =>
        RunAsync(freeze: false);

    private async Task RunAsync(bool freeze)
    {
        await using var redis = new RedisServerFixture { Persistent = true };
        await redis.InitializeAsync();
        for (var i = 0; i < 3; i++) await Messages.AddAsync(redis.Database, "error", "api-gateway", DateTimeOffset.UtcNow.AddMinutes(-i));
        await using var app = await ScoutApp.StartAsync(ScoutApp.Settings(redis.Port), new PlainRedisSearchIndex(redis.Database), output: output);
        // The start-up cycle stores every window's snapshot; one request per path makes the replica hold them.
        foreach (var path in Paths)
            await Messages.EventuallyAsync(async () => (await app.Client.SendAsync(app.Get(path))).IsSuccessStatusCode, $"{path} answers 200 before the load");
        await redis.Connection.GetServer(redis.Connection.GetEndPoints()[0]).ExecuteAsync("CONFIG", "RESETSTAT");

        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Connections }) { BaseAddress = app.Address, Timeout = TimeSpan.FromSeconds(10) };
        var load = Load.Start(app, client, Paths, Connections, Duration);

        await Task.Delay(FaultAt);
        var port = redis.Port;
        if (freeze) redis.Freeze(); else await redis.StopAsync();
        Probe? health, metrics, ready;
        try
        {
            await Task.Delay(FaultFor / 2);
            // Liveness and the scrape answer within their bound; readiness says Redis is not answering, also within its bound.
            (health, metrics, ready) = (await Probe.GetAsync(client, "/health"), await Probe.GetAsync(client, "/metrics"), await Probe.GetAsync(client, "/health/ready"));
            await Task.Delay(FaultFor / 2);
        }
        finally
        {
            if (freeze) redis.Thaw(); else await redis.StartAsync(port);
        }

        // Recovery: new messages, a new cycle (run directly: the timers' interval is an hour), and the replica's answers follow.
        await Task.Delay(RecoveryAt - FaultAt - FaultFor);
        await Messages.EventuallyAsync(async () =>
        {
            try
            {
                await Messages.ProduceAsync(redis.Database, "critical", "billing", DateTimeOffset.UtcNow);
                await Messages.ProduceAsync(redis.Database, "critical", "billing", DateTimeOffset.UtcNow);
                return true;
            }
            catch (RedisException)
            {
                return false;
            }
        }, "the test's connection reaches redis again", seconds: 10);
        await Messages.EventuallyAsync(async () =>
        {
            try
            {
                await app.Services.GetRequiredService<AnalyticsAggregator>().RunAsync(CancellationToken.None);
                return true;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                return false; // the app's connection is still reconnecting
            }
        }, "a cycle after recovery", seconds: 10);
        var result = await load;
        var gets = await CommandCallsAsync(redis, "get");

        var summary = await HttpJson.ReadAsync(await app.Client.SendAsync(app.Get("/analytics/summary")));
        output.WriteLine($"{(freeze ? "frozen" : "killed and restarted")} for {FaultFor.TotalSeconds:0} s: {result}; " +
                         $"during the fault /health {health}, /metrics {metrics}, /health/ready {ready}; " +
                         $"{gets} GETs reached redis{(freeze ? "" : " after its restart")}");

        Assert.True(result.Failures.IsEmpty, "requests failed:\n" + string.Join("\n", result.Failures.Take(5)));
        Assert.True(result.Requests > 1000, $"only {result.Requests} requests");
        Assert.True(result.Slowest < AnswerBound, $"the slowest request took {result.Slowest.TotalMilliseconds:F0} ms (bound {AnswerBound.TotalMilliseconds:F0} ms)");
        Assert.Equal(HttpStatusCode.OK, health.Status);
        Assert.True(health.Elapsed < ReadBounds.FirstReadWait, $"/health took {health.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal(HttpStatusCode.OK, metrics.Status);
        Assert.True(metrics.Elapsed < AnswerBound, $"/metrics took {metrics.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.Status);
        Assert.True(ready.Elapsed < Scout.Redis.RedisHealthCheck.Timeout + AnswerBound, $"/health/ready took {ready.Elapsed.TotalMilliseconds:F0} ms");

        // The right numbers after recovery: the new cycle's five messages, served within about a second of it.
        Assert.Equal(5, summary.GetProperty("totalMessages").GetInt64());
        // GETs are bounded by the keys held (snapshots per window, timer status per timer) times one refresh per
        // freshness period over the run, not by the thousands of requests.
        var bound = (Windows.Length + Timers.Length) * (int)Math.Ceiling(Duration / ReadBounds.FreshFor + 2);
        Assert.InRange(gets, 1, bound);
        Assert.True(gets * 20 < result.Requests, $"{gets} GETs for {result.Requests} requests");
    }

    private static async Task<long> CommandCallsAsync(RedisServerFixture redis, string command)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port},allowAdmin=true");
        var info = await connection.GetServer(connection.GetEndPoints()[0]).InfoAsync("commandstats");
        var line = info.SelectMany(g => g).FirstOrDefault(kv => kv.Key == "cmdstat_" + command).Value;
        // "calls=123,usec=456,…"
        return line is null ? 0 : long.Parse(line.Split(',')[0].Split('=')[1]);
    }

    private sealed record Probe(HttpStatusCode Status, TimeSpan Elapsed)
    {
        public static async Task<Probe> GetAsync(HttpClient client, string path)
        {
            var watch = Stopwatch.StartNew();
            using var response = await client.GetAsync(path);
            await response.Content.ReadAsStringAsync();
            return new Probe(response.StatusCode, watch.Elapsed);
        }

        public override string ToString() => $"{(int)Status} in {Elapsed.TotalMilliseconds:F0} ms";
    }

    private sealed record LoadResult(long Requests, ConcurrentQueue<string> Failures, TimeSpan Slowest, double P99Ms)
    {
        public override string ToString() => $"{Requests} requests, {Failures.Count} failed, p99 {P99Ms:F1} ms, slowest {Slowest.TotalMilliseconds:F0} ms";
    }

    /// <summary>Clients on their own connections, each requesting the paths in turn until the duration is over.</summary>
    private static class Load
    {
        public static async Task<LoadResult> Start(ScoutApp app, HttpClient client, string[] paths, int connections, TimeSpan duration)
        {
            var failures = new ConcurrentQueue<string>();
            var latencies = new ConcurrentBag<double>();
            using var stop = new CancellationTokenSource(duration);
            var workers = Enumerable.Range(0, connections).Select(c => Task.Run(async () =>
            {
                for (var n = c; !stop.IsCancellationRequested; n++)
                {
                    var path = paths[n % paths.Length];
                    var watch = Stopwatch.StartNew();
                    try
                    {
                        using var response = await client.SendAsync(app.Get(path));
                        await response.Content.ReadAsStringAsync();
                        if (response.StatusCode != HttpStatusCode.OK) failures.Enqueue($"{(int)response.StatusCode} {path}");
                    }
                    catch (Exception e)
                    {
                        failures.Enqueue($"{path}: {e.GetType().Name}: {e.Message}");
                    }
                    latencies.Add(watch.Elapsed.TotalMilliseconds);
                }
            })).ToList();
            await Task.WhenAll(workers);
            var sorted = latencies.Order().ToArray();
            return new LoadResult(sorted.Length, failures, TimeSpan.FromMilliseconds(sorted[^1]), sorted[(int)(sorted.Length * 0.99)]);
        }
    }
}
