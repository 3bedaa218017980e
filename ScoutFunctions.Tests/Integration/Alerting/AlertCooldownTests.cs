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
}
