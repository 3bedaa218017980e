using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scout.Alerting;
using Scout.Analytics;
using Scout.Configuration;
using Scout.Redis;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Alerting;

/// <summary>Starts the real app wired to a pitcher, with short resilience timeouts so failing deliveries stay bounded.</summary>
internal static class AlertingApp
{
    public const string PitchToken = "pitch-token-0123456789";

    /// <summary>
    /// Evaluation is driven by the test (ALERT_SCHEDULE 1h never fires during a test) unless a test overrides
    /// ALERT_SCHEDULE; one retry with a 1 s attempt timeout keeps failures short.
    /// </summary>
    public static async Task<ScoutApp> StartAsync(RedisServerFixture redis, string pitcherUrl, params (string Key, string? Value)[] overrides)
    {
        var defaults = Settings(pitcherUrl);
        var app = await ScoutApp.StartAsync(ScoutApp.Settings(redis.Port, [.. defaults, .. overrides]), new PlainRedisSearchIndex(redis.Database));
        var aggregationDisabled = overrides.Any(o => o.Key == "AzureWebJobs.AggregateAnalytics.Disabled");
        if (!aggregationDisabled)
            await Messages.EventuallyAsync(async () => await app.AlertSnapshotAsync() is not null, "the start-up aggregation stores the alert window's snapshot");
        return app;
    }

    /// <summary>The alerting settings these tests start Scout with.</summary>
    public static (string Key, string? Value)[] Settings(string pitcherUrl) =>
    [
        ("ALERT_PITCHER_URL", pitcherUrl),
        ("ALERT_PITCHER_TOKEN", PitchToken),
        ("ALERT_ERROR_THRESHOLD", "2"),
        ("ALERT_CRITICAL_THRESHOLD", "0"),
        ("ALERT_WINDOW", "5m"),
        ("ALERT_COOLDOWN", "1h"),
        ("ALERT_SCHEDULE", "1h"),
        ("ALERT_TIMEOUT", "1s"),
        ("ALERT_RETRIES", "1"),
    ];

    public static Task<AnalyticsSnapshot?> AlertSnapshotAsync(this ScoutApp app) =>
        app.Services.GetRequiredService<ISnapshotStore>().GetAsync(app.Services.GetRequiredService<IOptionsMonitor<ScoutOptions>>().CurrentValue.AlertWindow);

    /// <summary>One evaluation cycle, as the EvaluateAlerts timer runs it; bounded so a hang fails the test instead of stalling it.</summary>
    public static async Task EvaluateAsync(this ScoutApp app)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await app.Services.GetRequiredService<AlertEvaluator>().EvaluateAsync(bound.Token);
    }

    public static Task<double> MetricAsync(this ScoutApp app, string name, params (string, string)[] labels) =>
        MetricsScrape.ValueAsync(app, name, labels);

    public static Task<bool> CooldownHeldAsync(this RedisServerFixture redis, string rule) =>
        redis.Database.KeyExistsAsync(ScoutKeys.AlertCooldown(rule));

    /// <summary>Seeds messages a minute old: inside every window.</summary>
    public static async Task SeedRecentAsync(this RedisServerFixture redis, string severity, int count, string system = "api-gateway")
    {
        for (var i = 0; i < count; i++)
            await Messages.AddAsync(redis.Database, severity, system, DateTimeOffset.UtcNow.AddMinutes(-1));
    }
}
