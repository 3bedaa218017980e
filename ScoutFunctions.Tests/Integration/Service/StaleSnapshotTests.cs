using System.Net;
using Scout.Analytics;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Service;

/// <summary>
/// Old numbers are served while aggregation or Redis fails, but never silently: past three intervals the answer,
/// /health and /metrics say the snapshot is stale, and /health says why refreshing it fails.
/// </summary>
public sealed class StaleSnapshotTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<HttpResponseMessage> SummaryAsync(ScoutApp app) => await app.Client.SendAsync(app.Get("/analytics/summary"));

    [Fact]
    public async Task A_snapshot_older_than_three_intervals_is_served_marked_stale()
    {
        await Messages.AddAsync(redis.Database, "error", "api-gateway", DateTimeOffset.UtcNow);
        var index = new PlainRedisSearchIndex(redis.Database);
        await using var app = await ScoutApp.StartAsync(ScoutApp.Settings(redis.Port, ("SCOUT_INTERVAL", "1s")), index);
        await Messages.EventuallyAsync(async () => (await SummaryAsync(app)).IsSuccessStatusCode, "the first snapshot", seconds: 10);

        var fresh = await SummaryAsync(app);
        Assert.False(fresh.Headers.Contains(AnalyticsViews.StaleHeader));
        var health = await HttpJson.ReadAsync(await app.Client.GetAsync("/health"));
        var snapshots = health.GetProperty("snapshots");
        Assert.Equal("3s", snapshots.GetProperty("staleAfter").GetString());
        Assert.False(snapshots.GetProperty("windows").GetProperty("all").GetProperty("stale").GetBoolean());
        Assert.Equal(0, await MetricsScrape.ValueAsync(app, "homerun2_scout_snapshot_stale", ("window", "all")));

        // Aggregation fails from now on: the last snapshot stays, and ages past 3 intervals.
        index.Failure = new InvalidOperationException("simulated RediSearch failure");
        await Messages.EventuallyAsync(async () => (await SummaryAsync(app)).Headers.Contains(AnalyticsViews.StaleHeader),
            "the answer is marked stale", seconds: 10);
        var stale = await SummaryAsync(app);
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal("true", stale.Headers.GetValues(AnalyticsViews.StaleHeader).Single());
        var body = await HttpJson.ReadAsync(stale);
        Assert.Equal(1, body.GetProperty("totalMessages").GetInt64());
        Assert.True(DateTimeOffset.UtcNow - DateTimeOffset.Parse(body.GetProperty("lastUpdated").GetString()!) > TimeSpan.FromSeconds(3));

        var all = (await HttpJson.ReadAsync(await app.Client.GetAsync("/health"))).GetProperty("snapshots").GetProperty("windows").GetProperty("all");
        Assert.True(all.GetProperty("stale").GetBoolean());
        Assert.True(all.GetProperty("ageSeconds").GetDouble() >= 3); // rounded to a tenth
        Assert.Equal(body.GetProperty("lastUpdated").GetString(), all.GetProperty("lastUpdated").GetString());
        Assert.Equal(1, await MetricsScrape.ValueAsync(app, "homerun2_scout_snapshot_stale", ("window", "all")));
        Assert.True(await MetricsScrape.ValueAsync(app, "homerun2_scout_snapshot_age_seconds", ("window", "all")) > 3);
    }

    [Fact]
    public async Task While_redis_is_down_health_says_why_the_held_snapshots_are_not_refreshed()
    {
        var port = redis.Port;
        await Messages.AddAsync(redis.Database, "error", "api-gateway", DateTimeOffset.UtcNow);
        await using var app = await ScoutApp.StartAsync(ScoutApp.Settings(port), new PlainRedisSearchIndex(redis.Database));
        await Messages.EventuallyAsync(async () => (await SummaryAsync(app)).IsSuccessStatusCode, "the first snapshot", seconds: 10);
        var before = (await HttpJson.ReadAsync(await app.Client.GetAsync("/health"))).GetProperty("snapshots").GetProperty("windows").GetProperty("all");
        Assert.False(before.TryGetProperty("refreshError", out _)); // omitted while refreshes succeed
        var readAt = DateTimeOffset.Parse(before.GetProperty("readAt").GetString()!);

        await redis.StopAsync();
        try
        {
            await Messages.EventuallyAsync(async () =>
                (await HttpJson.ReadAsync(await app.Client.GetAsync("/health"))).GetProperty("snapshots").GetProperty("windows").GetProperty("all")
                    .TryGetProperty("refreshError", out _), "the failed refresh is reported", seconds: 10);
            var all = (await HttpJson.ReadAsync(await app.Client.GetAsync("/health"))).GetProperty("snapshots").GetProperty("windows").GetProperty("all");
            Assert.StartsWith($"redis 127.0.0.1:{port} unreachable", all.GetProperty("refreshError").GetString());
            // Still the snapshot read before the outage, and still served.
            Assert.True(DateTimeOffset.Parse(all.GetProperty("readAt").GetString()!) >= readAt);
            Assert.Equal(HttpStatusCode.OK, (await SummaryAsync(app)).StatusCode);
            Assert.True(await MetricsScrape.ValueAsync(app, "homerun2_scout_held_read_failures_total", ("kind", "snapshot")) >= 1);
        }
        finally
        {
            await redis.StartAsync(port);
        }
    }
}
