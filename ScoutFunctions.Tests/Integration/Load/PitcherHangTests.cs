using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scout.Tests.Infrastructure;
using Scout.Tests.Integration.Alerting;
using Reply = Scout.Tests.Infrastructure.FakePitcher.Reply;

namespace Scout.Tests.Integration.Load;

/// <summary>
/// A pitcher that accepts and never answers holds EvaluateAlerts for its whole ALERT_TIMEOUT; the other
/// functions have their own schedules and leases and must not wait for it.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class PitcherHangTests(RedisServerFixture redis)
{
    private const string Invocations = "homerun2_scout_function_invocations_total";

    [Fact]
    public async Task Aggregation_keeps_its_schedule_while_alert_delivery_hangs()
    {
        await redis.FlushAsync();
        await redis.SeedRecentAsync("critical", 1);
        var pitcher = await FakePitcher.StartAsync();
        pitcher.Always(Reply.Hanging);
        await using var app = await AlertingApp.StartAsync(redis, pitcher.BaseUrl,
            ("ALERT_ERROR_THRESHOLD", "0"), ("ALERT_CRITICAL_THRESHOLD", "1"),
            ("SCOUT_INTERVAL", "1s"), ("ALERT_SCHEDULE", "1s"), ("ALERT_TIMEOUT", "30s"), ("ALERT_RETRIES", "1"));
        try
        {
            await AssertAggregationKeepsRunning(app, pitcher);
        }
        finally
        {
            // Closing the pitcher first ends the hanging delivery, so the app stops at once instead of
            // waiting out the shutdown grace with a run still inside its 30 s attempt.
            await pitcher.DisposeAsync();
        }
    }

    [Fact]
    public async Task Shutdown_cancels_a_hanging_delivery_within_the_grace_and_frees_its_claim()
    {
        await redis.FlushAsync();
        await redis.SeedRecentAsync("critical", 1);
        await using var pitcher = await FakePitcher.StartAsync();
        pitcher.Always(Reply.Hanging);
        var logs = new CapturedLogs();
        var settings = ScoutApp.Settings(redis.Port, ("ALERT_PITCHER_URL", pitcher.BaseUrl), ("ALERT_ERROR_THRESHOLD", "0"),
            ("ALERT_CRITICAL_THRESHOLD", "1"), ("ALERT_SCHEDULE", "1s"), ("ALERT_TIMEOUT", "30s"), ("ALERT_RETRIES", "1"));
        await using var app = await ScoutApp.StartAsync(settings, new PlainRedisSearchIndex(redis.Database),
            services => services.AddSingleton<ILoggerProvider>(logs));
        await Messages.EventuallyAsync(() => Task.FromResult(pitcher.Requests.Count >= 1), "EvaluateAlerts reaches the hanging pitcher", seconds: 10);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await app.StopAsync(TimeSpan.FromSeconds(2));
        watch.Stop();

        // The grace, then at most the host's abort bound (2 s) for the run to end and release what it holds.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(6), $"stopping took {watch.Elapsed.TotalSeconds:F1} s");
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Error);
        Assert.False(await redis.CooldownHeldAsync("critical"), "the undelivered alert's cooldown claim is released");
        Assert.False(await redis.Database.KeyExistsAsync(Scout.Redis.ScoutKeys.Lease("EvaluateAlerts")), "the lease is released");
    }

    private static async Task AssertAggregationKeepsRunning(ScoutApp app, FakePitcher pitcher)
    {
        await Messages.EventuallyAsync(() => Task.FromResult(pitcher.Requests.Count >= 1), "EvaluateAlerts reaches the hanging pitcher", seconds: 5);
        var aggregations = await Aggregations(app);
        var evaluations = await app.MetricAsync(Invocations, ("function", "EvaluateAlerts"), ("outcome", "succeeded"));

        // Up to 15 s for three 1 s cycles: a loaded CI machine once needed more than 6 s; the delivery hangs for its
        // whole 30 s ALERT_TIMEOUT, so an aggregation held behind it would still show none.
        await Messages.EventuallyAsync(async () => await Aggregations(app) >= aggregations + 3,
            "three more aggregation cycles run while the delivery hangs", seconds: 15);

        // EvaluateAlerts is still inside its first delivery: no second request, no finished run.
        Assert.Single(pitcher.Requests);
        Assert.Equal(evaluations, await app.MetricAsync(Invocations, ("function", "EvaluateAlerts"), ("outcome", "succeeded")));
        Assert.Equal(200, (int)(await app.Client.SendAsync(app.Get("/analytics/alerts"))).StatusCode);
    }

    private static Task<double> Aggregations(ScoutApp app) =>
        app.MetricAsync(Invocations, ("function", "AggregateAnalytics"), ("outcome", "succeeded"));
}
