using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Alerting;

/// <summary>The cooldown lives in Redis: replicas sharing it send each rule once per cooldown.</summary>
[Collection(RedisCollection.Name)]
public sealed class AlertCooldownTests(RedisServerFixture redis) : IAsyncLifetime
{
    private FakePitcher _pitcher = null!;

    public async Task InitializeAsync()
    {
        await redis.FlushAsync();
        _pitcher = await FakePitcher.StartAsync();
    }

    public async Task DisposeAsync() => await _pitcher.DisposeAsync();

    private const string Suppressed = "homerun2_scout_alerts_suppressed_total";

    private async Task SeedEveryRuleAsync()
    {
        // error 3 >= 2, critical 1 >= 1, total 4 >= 3: all three rules fire.
        await redis.SeedRecentAsync("error", 3);
        await redis.SeedRecentAsync("critical", 1);
    }

    [Fact]
    public async Task Two_replicas_evaluating_at_the_same_time_send_one_pitch_per_rule()
    {
        await SeedEveryRuleAsync();
        (string, string?) critical = ("ALERT_CRITICAL_THRESHOLD", "1");
        await using var first = await AlertingApp.StartAsync(redis, _pitcher.BaseUrl, critical);
        await using var second = await AlertingApp.StartAsync(redis, _pitcher.BaseUrl, critical);

        // Three rounds of simultaneous cycles in both processes: every claim races with the other replica's.
        for (var round = 0; round < 3; round++)
            await Task.WhenAll(first.EvaluateAsync(), second.EvaluateAsync());

        var titles = _pitcher.Requests.Select(r => r.Json.GetProperty("title").GetString()).Order().ToList();
        Assert.Equal(["Scout: Critical threshold exceeded", "Scout: Error threshold exceeded", "Scout: Total alerts threshold exceeded"], titles);
        foreach (var rule in new[] { "error", "critical", "total" })
        {
            var suppressed = await first.MetricAsync(Suppressed, ("rule", rule), ("reason", "cooldown"))
                + await second.MetricAsync(Suppressed, ("rule", rule), ("reason", "cooldown"));
            Assert.Equal(5, suppressed); // 6 evaluations of the rule, 1 sent
            Assert.True(await redis.CooldownHeldAsync(rule));
        }
    }

    [Fact]
    public async Task Scheduled_cycles_in_two_replicas_within_the_cooldown_send_each_rule_once()
    {
        await SeedEveryRuleAsync();
        (string, string?)[] settings = [("ALERT_CRITICAL_THRESHOLD", "1"), ("ALERT_SCHEDULE", "1s")];
        await using var first = await AlertingApp.StartAsync(redis, _pitcher.BaseUrl, settings);
        await using var second = await AlertingApp.StartAsync(redis, _pitcher.BaseUrl, settings);

        async Task<double> Runs() =>
            await first.MetricAsync("homerun2_scout_function_invocations_total", ("function", "EvaluateAlerts"), ("outcome", "succeeded"))
            + await second.MetricAsync("homerun2_scout_function_invocations_total", ("function", "EvaluateAlerts"), ("outcome", "succeeded"));
        await Messages.EventuallyAsync(async () => await Runs() >= 3, "three scheduled evaluation cycles run", seconds: 8);

        Assert.Equal(3, _pitcher.Requests.Count);
        Assert.Equal(3, _pitcher.Requests.Select(r => r.Json.GetProperty("title").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task After_the_cooldown_expires_the_rule_fires_again()
    {
        await redis.SeedRecentAsync("critical", 1);
        await using var app = await AlertingApp.StartAsync(redis, _pitcher.BaseUrl,
            ("ALERT_ERROR_THRESHOLD", "0"), ("ALERT_CRITICAL_THRESHOLD", "1"), ("ALERT_COOLDOWN", "1s"));

        await app.EvaluateAsync();
        await app.EvaluateAsync();
        Assert.Single(_pitcher.Requests);
        Assert.Equal(1, await app.MetricAsync(Suppressed, ("rule", "critical"), ("reason", "cooldown")));

        await Messages.EventuallyAsync(async () => !await redis.CooldownHeldAsync("critical"), "the 1s cooldown key expires", seconds: 5);
        await app.EvaluateAsync();

        Assert.Equal(2, _pitcher.Requests.Count);
        Assert.Equal(2, await app.MetricAsync("homerun2_scout_alerts_sent_total", ("rule", "critical")));
    }

    [Fact]
    public async Task A_failed_delivery_releases_only_its_own_claim_not_a_newer_one_from_another_replica()
    {
        await redis.SeedRecentAsync("critical", 1);
        await using var hanging = await FakePitcher.StartAsync();
        hanging.Always(FakePitcher.Reply.Hanging);
        (string, string?)[] criticalOnly = [("ALERT_ERROR_THRESHOLD", "0"), ("ALERT_CRITICAL_THRESHOLD", "1")];
        // Replica A's claim lapses (1 s) while its delivery is still failing (two 2 s attempts).
        await using var slow = await AlertingApp.StartAsync(redis, hanging.BaseUrl, [.. criticalOnly, ("ALERT_COOLDOWN", "1s"), ("ALERT_TIMEOUT", "2s")]);
        await using var fast = await AlertingApp.StartAsync(redis, _pitcher.BaseUrl, criticalOnly);

        var failing = slow.EvaluateAsync();
        await Messages.EventuallyAsync(async () => hanging.Requests.Count > 0 && !await redis.CooldownHeldAsync("critical"),
            "replica A is delivering and its 1 s claim has lapsed", seconds: 5);
        await fast.EvaluateAsync();
        Assert.False(failing.IsCompleted, "replica A must still be delivering, or the test proves nothing");
        await failing;

        Assert.Equal(1, await slow.MetricAsync("homerun2_scout_alerts_failed_total", ("rule", "critical")));
        Assert.Single(_pitcher.Requests);
        // Replica B's 1 h claim survived A's release.
        Assert.True(await redis.CooldownHeldAsync("critical"), "replica A's release deleted replica B's claim");
        var ttl = await redis.Database.KeyTimeToLiveAsync(Scout.Redis.ScoutKeys.AlertCooldown("critical"));
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
    }
}
