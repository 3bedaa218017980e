using Microsoft.Extensions.DependencyInjection;
using Scout.Analytics;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Alerting;

/// <summary>Which alerts a cycle raises from the stored snapshot: staleness, ALERT_WINDOW, thresholds, severity case.</summary>
[Collection(RedisCollection.Name)]
public sealed class AlertEvaluationTests(RedisServerFixture redis) : IAsyncLifetime
{
    private const string Suppressed = "homerun2_scout_alerts_suppressed_total";

    private FakePitcher _pitcher = null!;

    public async Task InitializeAsync()
    {
        await redis.FlushAsync();
        _pitcher = await FakePitcher.StartAsync();
    }

    public async Task DisposeAsync() => await _pitcher.DisposeAsync();

    private Dictionary<string, string> MessagesByTitle() =>
        _pitcher.Requests.ToDictionary(r => r.Json.GetProperty("title").GetString()!, r => r.Json.GetProperty("message").GetString()!);

    /// <summary>Replaces the alert window's snapshot with the same numbers computed <paramref name="age"/> ago.</summary>
    private static async Task AgeSnapshotAsync(ScoutApp app, TimeSpan age)
    {
        var snapshot = (await app.AlertSnapshotAsync())!;
        await app.Services.GetRequiredService<ISnapshotStore>().SaveAsync([snapshot with { GeneratedAt = DateTimeOffset.UtcNow - age }]);
    }

    [Fact]
    public async Task A_snapshot_older_than_two_intervals_is_skipped_and_counted_as_stale()
    {
        await redis.SeedRecentAsync("error", 5);
        await using var app = await AlertingApp.StartAsync(redis, _pitcher.BaseUrl); // SCOUT_INTERVAL 1h
        await AgeSnapshotAsync(app, TimeSpan.FromHours(2) + TimeSpan.FromMinutes(5));

        await app.EvaluateAsync();

        Assert.Empty(_pitcher.Requests);
        foreach (var rule in new[] { "error", "critical", "total" })
        {
            Assert.Equal(1, await app.MetricAsync(Suppressed, ("rule", rule), ("reason", "stale")));
            Assert.False(await redis.CooldownHeldAsync(rule));
        }
    }

    [Fact]
    public async Task A_snapshot_just_within_two_intervals_still_raises_alerts()
    {
        await redis.SeedRecentAsync("error", 5);
        await using var app = await AlertingApp.StartAsync(redis, _pitcher.BaseUrl);
        await AgeSnapshotAsync(app, TimeSpan.FromHours(2) - TimeSpan.FromMinutes(5));

        await app.EvaluateAsync();

        Assert.Contains("Scout: Error threshold exceeded", MessagesByTitle().Keys);
        Assert.Equal(0, await app.MetricAsync(Suppressed, ("rule", "error"), ("reason", "stale")));
    }

    [Fact]
    public async Task Without_any_snapshot_nothing_is_sent()
    {
        await redis.SeedRecentAsync("error", 5);
        await using var app = await AlertingApp.StartAsync(redis, _pitcher.BaseUrl, ("AzureWebJobs.AggregateAnalytics.Disabled", "true"));

        await app.EvaluateAsync();

        Assert.Null(await app.AlertSnapshotAsync());
        Assert.Empty(_pitcher.Requests);
        Assert.Equal(1, await app.MetricAsync(Suppressed, ("rule", "error"), ("reason", "stale")));
    }

    [Theory]
    [InlineData("5m", null)]
    [InlineData("1h", "Error count 4 in the last 1h exceeds threshold 2")]
    [InlineData("all", "Error count 4 across all indexed messages exceeds threshold 2")]
    public async Task Only_errors_inside_ALERT_WINDOW_count_towards_the_threshold(string window, string? expected)
    {
        var now = DateTimeOffset.UtcNow;
        await Messages.AddAsync(redis.Database, "error", "api-gateway", now.AddMinutes(-1));
        for (var i = 0; i < 3; i++) await Messages.AddAsync(redis.Database, "error", "billing", now.AddMinutes(-10));
        await using var app = await AlertingApp.StartAsync(redis, _pitcher.BaseUrl, ("ALERT_WINDOW", window));

        await app.EvaluateAsync();

        Assert.Equal(window, (await app.AlertSnapshotAsync())!.Window);
        var messages = MessagesByTitle();
        if (expected is null)
            Assert.Empty(messages); // 1 error in the last 5m, below the threshold of 2
        else
            Assert.Equal(expected, messages["Scout: Error threshold exceeded"]);
    }

    [Fact]
    public async Task A_threshold_of_zero_disables_its_rule_and_the_total_rule_with_the_error_rule()
    {
        await redis.SeedRecentAsync("error", 5);
        await redis.SeedRecentAsync("critical", 2);
        await using var app = await AlertingApp.StartAsync(redis, _pitcher.BaseUrl,
            ("ALERT_ERROR_THRESHOLD", "0"), ("ALERT_CRITICAL_THRESHOLD", "2"));

        await app.EvaluateAsync();

        Assert.Equal(new Dictionary<string, string> { ["Scout: Critical threshold exceeded"] = "Critical count 2 in the last 5m exceeds threshold 2" },
            MessagesByTitle());
    }

    [Fact]
    public async Task Counts_just_below_the_thresholds_raise_nothing()
    {
        await redis.SeedRecentAsync("error", 2);
        await redis.SeedRecentAsync("critical", 1);
        await using var app = await AlertingApp.StartAsync(redis, _pitcher.BaseUrl,
            ("ALERT_ERROR_THRESHOLD", "3"), ("ALERT_CRITICAL_THRESHOLD", "2"));

        await app.EvaluateAsync();

        Assert.Empty(_pitcher.Requests); // total 3 < 3 + 2 as well
    }

    [Fact]
    public async Task Severities_in_any_case_count_for_their_rule()
    {
        foreach (var severity in new[] { "ERROR", "Error", "error", "CRITICAL", "Critical" })
            await Messages.AddAsync(redis.Database, severity, "api-gateway", DateTimeOffset.UtcNow.AddMinutes(-1));
        await using var app = await AlertingApp.StartAsync(redis, _pitcher.BaseUrl,
            ("ALERT_ERROR_THRESHOLD", "3"), ("ALERT_CRITICAL_THRESHOLD", "2"));

        await app.EvaluateAsync();

        Assert.Equal(new Dictionary<string, string>
        {
            ["Scout: Error threshold exceeded"] = "Error count 3 in the last 5m exceeds threshold 3",
            ["Scout: Critical threshold exceeded"] = "Critical count 2 in the last 5m exceeds threshold 2",
            ["Scout: Total alerts threshold exceeded"] = "Total alert count 5 in the last 5m exceeds threshold 5",
        }, MessagesByTitle());
    }
}
