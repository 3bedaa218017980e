using System.Net;
using System.Text.Json;
using FunctionsSelfHost.Timers;
using Microsoft.Extensions.DependencyInjection;
using Scout.Caching;
using Scout.Tests.Infrastructure;
using StackExchange.Redis;

namespace Scout.Tests.Integration.Service;

/// <summary>
/// The real app while its redis-server is down, killed and restarted on the same port, and while
/// aggregation fails: the process keeps serving, readiness follows Redis, snapshots are never lost to a failure.
/// </summary>
public sealed class RedisOutageTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private Dictionary<string, string?> Settings() => ScoutApp.Settings(redis.Port, ("SCOUT_INTERVAL", "1s"));

    private static async Task AssertUnavailableAsync(ScoutApp app)
    {
        await AssertUnreadyButAliveAsync(app);
        foreach (var view in new[] { "summary", "systems", "alerts" })
        {
            var analytics = await app.Client.SendAsync(app.Get("/analytics/" + view));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, analytics.StatusCode);
            Assert.NotNull(analytics.Headers.RetryAfter?.Delta);
            Assert.True(analytics.Headers.RetryAfter!.Delta > TimeSpan.Zero);
            Assert.False(string.IsNullOrEmpty((await HttpJson.ReadAsync(analytics)).GetProperty("error").GetString()));
        }
    }

    private static async Task AssertUnreadyButAliveAsync(ScoutApp app)
    {
        var ready = await app.Client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("unavailable", (await HttpJson.ReadAsync(ready)).GetProperty("status").GetString());

        var health = await app.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var body = await HttpJson.ReadAsync(health);
        // Alive (200), and honest: the numbers are missing or cannot be refreshed.
        Assert.Equal("degraded", body.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("reason").GetString()));
        Assert.Contains("timer store unreachable", body.GetProperty("functionsError").GetString());
    }

    /// <summary>Seeds once the fixture's own connection has found the restarted server again.</summary>
    private async Task SeedAsync(string severity, string system)
    {
        await Messages.EventuallyAsync(async () =>
        {
            try
            {
                await Messages.ProduceAsync(redis.Database, severity, system, DateTimeOffset.UtcNow);
                return true;
            }
            catch (RedisException)
            {
                return false;
            }
        }, "the test's own connection reaches the restarted redis-server", seconds: 10);
    }

    private static async Task<double?> ErrorsAsync(ScoutApp app) =>
        MetricsScrape.Sample(await app.Client.GetStringAsync("/metrics"), "homerun2_scout_aggregation_errors_total");

    private static async Task<JsonElement?> SummaryAsync(ScoutApp app)
    {
        var response = await app.Client.SendAsync(app.Get("/analytics/summary"));
        return response.IsSuccessStatusCode ? await HttpJson.ReadAsync(response) : null;
    }

    [Fact]
    public async Task Started_while_redis_is_down_it_serves_health_then_becomes_ready_and_aggregates_once_redis_is_up()
    {
        var port = redis.Port;
        await redis.StopAsync();
        try
        {
            await using var app = await ScoutApp.StartAsync(Settings(), new PlainRedisSearchIndex(redis.Database));

            await AssertUnavailableAsync(app);
            var health = await HttpJson.ReadAsync(await app.Client.GetAsync("/health"));
            Assert.StartsWith("no snapshot yet", health.GetProperty("reason").GetString());
            // The scrape still answers, and the timer counts the occurrences it had to skip without its store.
            await Messages.EventuallyAsync(async () => MetricsScrape.Sample(await app.Client.GetStringAsync("/metrics"),
                    "homerun2_scout_function_invocations_total{function=\"AggregateAnalytics\",outcome=\"skipped\"}") >= 1,
                "a skipped occurrence is counted", seconds: 8);
            // No snapshot yet: the snapshot-derived gauges have no sample (a 0 would read as real data).
            Assert.DoesNotMatch(@"(?m)^homerun2_scout_(messages_total|systems_total|severity_count)\b", await app.Client.GetStringAsync("/metrics"));

            await redis.StartAsync(port);
            await SeedAsync("critical", "billing");
            await Messages.EventuallyAsync(async () => (await app.Client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
                "ready once redis is up", seconds: 15);
            // A cycle may run between the reconnect and the seed: wait for the one that counts it.
            await Messages.EventuallyAsync(async () => (await SummaryAsync(app))?.GetProperty("totalMessages").GetInt64() == 1,
                "an aggregation cycle stores a snapshot of the seeded message", seconds: 10);
        }
        finally
        {
            await redis.StartAsync(port);
        }
    }

    [Fact]
    public async Task Redis_killed_after_a_snapshot_leaves_the_process_serving_and_unready_until_it_returns()
    {
        var port = redis.Port;
        await Messages.AddAsync(redis.Database, "error", "api-gateway", DateTimeOffset.UtcNow);
        await using var app = await ScoutApp.StartAsync(Settings(), new PlainRedisSearchIndex(redis.Database));
        await Messages.EventuallyAsync(async () => await SummaryAsync(app) is not null, "the first snapshot", seconds: 10);
        var first = DateTimeOffset.Parse((await SummaryAsync(app))!.Value.GetProperty("lastUpdated").GetString()!);
        await redis.StopAsync();
        var stoppedAt = DateTimeOffset.UtcNow;
        try
        {
            await Messages.EventuallyAsync(async () => (await app.Client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable,
                "unready once redis is gone", seconds: 10);
            await AssertUnreadyButAliveAsync(app);
            // Stale-if-error: the last snapshot this replica read, with its true lastUpdated, beats a 503.
            await Task.Delay(ReadBounds.FreshFor);
            var summary = await SummaryAsync(app);
            Assert.NotNull(summary);
            var lastUpdated = summary.Value.GetProperty("lastUpdated").GetString();
            // A snapshot computed before Redis went away (not "now"), and the same one on every read of the outage.
            Assert.InRange(DateTimeOffset.Parse(lastUpdated!), first, stoppedAt);
            Assert.Equal(1, summary.Value.GetProperty("totalMessages").GetInt64());
            await Task.Delay(ReadBounds.FreshFor);
            Assert.Equal(lastUpdated, (await SummaryAsync(app))?.GetProperty("lastUpdated").GetString());
            // Timer cycles keep failing quietly; the process is still up a couple of intervals later.
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/health")).StatusCode);
        }
        finally
        {
            await redis.StartAsync(port);
        }

        // The restarted server is empty (no persistence): readiness returns and aggregation stores a new snapshot.
        await SeedAsync("warning", "auth");
        await SeedAsync("warning", "auth");
        await Messages.EventuallyAsync(async () => (await app.Client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            "ready again once redis is back", seconds: 15);
        await Messages.EventuallyAsync(async () => (await SummaryAsync(app))?.GetProperty("totalMessages").GetInt64() == 2,
            "the analytics serve a snapshot of the restarted server", seconds: 10);
    }

    [Fact]
    public async Task A_failing_aggregation_keeps_the_previous_snapshot_and_counts_the_error()
    {
        await Messages.AddAsync(redis.Database, "error", "api-gateway", DateTimeOffset.UtcNow);
        var index = new PlainRedisSearchIndex(redis.Database);
        await using var app = await ScoutApp.StartAsync(Settings(), index);
        await Messages.EventuallyAsync(async () => await SummaryAsync(app) is not null, "the first snapshot", seconds: 10);
        Assert.Equal(0, await ErrorsAsync(app));

        index.Failure = new InvalidOperationException("simulated RediSearch failure");
        // Cycles run every second, one at a time. The snapshot to keep is the one in place one failed cycle after the
        // first: by then no successful cycle can still be writing, and the API's one-second cache has turned over.
        await Messages.EventuallyAsync(async () => await ErrorsAsync(app) >= 1, "a failed cycle is counted", seconds: 5);
        var first = await ErrorsAsync(app);
        await Messages.EventuallyAsync(async () => await ErrorsAsync(app) > first, "another failed cycle is counted", seconds: 5);
        var lastUpdated = (await SummaryAsync(app))!.Value.GetProperty("lastUpdated").GetString();
        var errors = await ErrorsAsync(app);
        await Messages.ProduceAsync(redis.Database, "critical", "billing", DateTimeOffset.UtcNow);
        await Messages.EventuallyAsync(async () => await ErrorsAsync(app) >= errors + 2, "two more failed cycles are counted", seconds: 6);

        var kept = (await SummaryAsync(app))!.Value;
        Assert.Equal(lastUpdated, kept.GetProperty("lastUpdated").GetString());
        Assert.Equal(1, kept.GetProperty("totalMessages").GetInt64());
        var metrics = await app.Client.GetStringAsync("/metrics");
        Assert.True(MetricsScrape.Sample(metrics, "homerun2_scout_function_invocations_total{function=\"AggregateAnalytics\",outcome=\"failed\"}") >= 2);
        var health = await HttpJson.ReadAsync(await app.Client.GetAsync("/health"));
        var aggregate = health.GetProperty("functions").GetProperty("AggregateAnalytics");
        Assert.Equal("failed", aggregate.GetProperty("lastOutcome").GetString());
        Assert.Equal("degraded", health.GetProperty("status").GetString());
        Assert.StartsWith("the last aggregation cycle failed", health.GetProperty("reason").GetString());

        // Once the engine answers again the next cycle replaces the snapshot.
        index.Failure = null;
        await Messages.EventuallyAsync(async () => (await SummaryAsync(app))?.GetProperty("totalMessages").GetInt64() == 2,
            "a successful cycle after the failures", seconds: 6);
        Assert.NotEqual(lastUpdated, (await SummaryAsync(app))!.Value.GetProperty("lastUpdated").GetString());
        await Messages.EventuallyAsync(async () => (await HttpJson.ReadAsync(await app.Client.GetAsync("/health"))).GetProperty("status").GetString() == "ok",
            "/health is ok again once a cycle succeeds", seconds: 6);
    }

    [Fact]
    public async Task A_lease_a_crash_left_behind_expires_within_its_duration_and_the_timers_resume()
    {
        // A persistent server: after the crash it comes back with the lease of the run it interrupted.
        await using var server = new RedisServerFixture { Persistent = true };
        await server.InitializeAsync();
        await Messages.AddAsync(server.Database, "error", "api-gateway", DateTimeOffset.UtcNow);
        var gate = new Profile.GatedSearchIndex(new PlainRedisSearchIndex(server.Database));
        await using var app = await ScoutApp.StartAsync(ScoutApp.Settings(server.Port, ("SCOUT_INTERVAL", "1s")), gate);
        var lease = Scout.Redis.ScoutKeys.Lease("AggregateAnalytics");
        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(await server.Database.KeyExistsAsync(lease), "the start-up run holds its lease");

        await server.StopAsync();
        gate.Released.TrySetResult();
        // The interrupted run fails against the dead server, and so does the release of its lease.
        await Messages.EventuallyAsync(async () => await MetricsScrape.ValueAsync(app, "homerun2_scout_function_invocations_total",
            ("function", "AggregateAnalytics"), ("outcome", "failed")) >= 1, "the interrupted run fails", seconds: 10);
        await server.StartAsync(server.Port);
        var restarted = DateTimeOffset.UtcNow;

        // Read through a new connection: the fixture's own may still be in its reconnect back-off right after the restart.
        TimeSpan? left;
        await using (var fresh = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{server.Port}"))
            left = await fresh.GetDatabase().KeyTimeToLiveAsync(lease);
        Assert.NotNull(left); // the crash really left the lease behind, with the expiry it was given
        Assert.InRange(left.Value, TimeSpan.Zero, TimerHost.LeaseDuration);
        var store = app.Services.GetRequiredService<ITimerStore>();
        // The app's connection reconnects on its own schedule: until it has, reading the record is "not yet".
        await Messages.EventuallyAsync(async () =>
            {
                try
                {
                    return await store.GetRecordAsync("AggregateAnalytics") is { LastOutcome: "succeeded" } record
                           && record.ScheduleStatus.LastUpdated > restarted;
                }
                catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException)
                {
                    return false;
                }
            },
            "a successful aggregation once the stale lease has expired",
            seconds: (int)(TimerHost.LeaseDuration.TotalSeconds + 5));
        Assert.True(DateTimeOffset.UtcNow - restarted <= left.Value + TimeSpan.FromSeconds(5),
            $"the timers resumed {DateTimeOffset.UtcNow - restarted} after the restart; the stale lease had {left.Value} left");
    }
}
