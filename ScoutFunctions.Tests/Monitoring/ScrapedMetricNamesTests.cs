using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Scout.Tests.Infrastructure;
using Reply = Scout.Tests.Infrastructure.FakePitcher.Reply;

namespace Scout.Tests.Monitoring;

/// <summary>
/// No dashboard panel and no alert rule reads a series Scout never writes: the real app on a real redis-server,
/// with every timer running every second, completes an aggregation cycle, delivers a meta-alert (and fails one,
/// and suppresses one in cooldown) to a fake omni-pitcher, and runs retention over expired, unparseable and
/// streamed messages; then every metric name the monitoring uses must have samples in its /metrics.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed partial class ScrapedMetricNamesTests(RedisServerFixture redis) : IAsyncLifetime
{
    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Every_metric_the_dashboard_and_the_rules_read_is_in_a_real_scrape_after_a_cycle_an_alert_and_a_retention_run()
    {
        var now = DateTimeOffset.UtcNow;
        await Messages.AddAsync(redis.Database, "error", "api-gateway", now.AddMinutes(-1));
        await Messages.AddAsync(redis.Database, "critical", "billing", now.AddMinutes(-2));
        await Messages.AddAsync(redis.Database, "info", "billing", now.AddMinutes(-3));
        await Messages.AddAsync(redis.Database, "info", "auth", now.AddHours(-2)); // expired: deleted
        await Messages.AddAsync(redis.Database, "warning", "auth", "yesterday"); // unparseable: kept and counted
        await redis.Database.StreamAddAsync("messages", "messageID", "old", $"{now.AddHours(-2).ToUnixTimeMilliseconds()}-0");
        await redis.Database.StreamAddAsync("messages", "messageID", "new", $"{now.ToUnixTimeMilliseconds()}-0");
        await using var pitcher = await FakePitcher.StartAsync();
        // The first alert delivered fails after its retry; every later request is accepted.
        pitcher.Script(null, new Reply(500, RetryAfter: TimeSpan.Zero), new Reply(500, RetryAfter: TimeSpan.Zero));
        var logs = new CapturedLogs();
        await using var app = await ScoutApp.StartAsync(ScoutApp.Settings(redis.Port,
                ("ALERT_PITCHER_URL", pitcher.BaseUrl), ("ALERT_PITCHER_TOKEN", "pitch-token"),
                ("ALERT_ERROR_THRESHOLD", "1"), ("ALERT_CRITICAL_THRESHOLD", "1"), ("ALERT_WINDOW", "5m"),
                ("ALERT_COOLDOWN", "1h"), ("ALERT_SCHEDULE", "1s"), ("ALERT_TIMEOUT", "1s"), ("ALERT_RETRIES", "1"),
                ("SCOUT_RETENTION_ENABLED", "true"), ("SCOUT_RETENTION_TTL", "1h"), ("SCOUT_RETENTION_SCHEDULE", "1s"),
                ("SCOUT_STREAM", "messages")),
            new PlainRedisSearchIndex(redis.Database), services =>
            {
                services.RemoveAll<ILoggerProvider>();
                services.AddSingleton<ILoggerProvider>(logs);
            });
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await app.Client.GetAsync("/analytics/summary")).StatusCode);

        string scrape = "";
        List<string> pending = [];
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(200);
            await app.Client.SendAsync(app.Get("/analytics/summary"));
            scrape = await app.Client.GetStringAsync("/metrics");
            pending = Pending(scrape);
        } while (pending.Count > 0 && DateTime.UtcNow < deadline);
        Assert.True(pending.Count == 0, $"not within 30 s: {string.Join("; ", pending)}\n" +
            string.Join("\n", scrape.Split('\n').Where(l => l.StartsWith("homerun2_scout_", StringComparison.Ordinal) && !l.Contains("_bucket"))));

        var sampled = SampleNames(scrape);
        var dashboard = MonitoringFiles.LoadDashboard();
        var readers = MonitoringFiles.DashboardQueries(dashboard).SelectMany(q => MonitoringFiles.MetricNames(q.Expr).Select(name => (name, q.Where)))
            .Concat(MonitoringFiles.VariableQueries(dashboard).Select(q => (name: MonitoringFiles.LabelValuesMetric(q.Expr), q.Where)))
            .Concat(MonitoringFiles.AlertRules().SelectMany(r => MonitoringFiles.MetricNames(r.Expr).Select(name => (name, Where: $"alert {r.Name}"))))
            .ToList();
        Assert.True(readers.Count >= 30, $"expected the metrics of the dashboard and the rules, found {readers.Count}");
        var missing = readers.Where(r => !sampled.Contains(r.name)).Select(r => $"{r.Where} reads {r.name}").ToList();
        Assert.True(missing.Count == 0, $"series Scout never writes:\n{string.Join("\n", missing)}\nsampled: {string.Join(", ", sampled.Order())}");

        // And the other way round: every Scout metric has a place on the dashboard.
        var onDashboard = MonitoringFiles.DashboardQueries(dashboard).SelectMany(q => MonitoringFiles.MetricNames(q.Expr))
            .SelectMany(name => new[] { name, HistogramSuffix().Replace(name, "") }).ToHashSet();
        var families = TypeLine().Matches(scrape).Select(m => m.Groups[1].Value).Where(name => name.StartsWith("homerun2_scout_", StringComparison.Ordinal)).ToList();
        Assert.True(families.Count >= 18, $"expected Scout's 18 metric families, found {families.Count}");
        var unused = families.Where(family => !onDashboard.Contains(family)).ToList();
        Assert.True(unused.Count == 0, $"Scout metrics no dashboard panel shows: {string.Join(", ", unused)}");

        // Scout's own logs only: Polly logs the scripted 500 as an error-level attempt, which is the point of the script.
        var errors = logs.Entries.Where(e => e.Level >= LogLevel.Error && e.Category.StartsWith("Scout.", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, $"error logs: {string.Join("\n", errors)}");
    }

    /// <summary>What the scenario has not shown yet in the scrape: a cycle, each kind of alert outcome, each retention effect, each timer.</summary>
    private static List<string> Pending(string scrape)
    {
        var pending = new List<string>();
        foreach (var (name, labels) in new (string, (string, string)[])[]
        {
            ("homerun2_scout_alerts_sent_total", []), ("homerun2_scout_alerts_failed_total", []),
            ("homerun2_scout_alerts_suppressed_total", [("reason", "cooldown")]),
            ("homerun2_scout_retention_deleted_total", []), ("homerun2_scout_retention_unparseable_total", []),
            ("homerun2_scout_retention_trimmed_total", []),
            ("homerun2_scout_function_invocations_total", [("function", "AggregateAnalytics"), ("outcome", "succeeded")]),
            ("homerun2_scout_function_invocations_total", [("function", "EvaluateAlerts"), ("outcome", "succeeded")]),
            ("homerun2_scout_function_invocations_total", [("function", "PruneRetention"), ("outcome", "succeeded")]),
        })
            if (MetricsScrape.Sum(scrape, name, labels) <= 0) pending.Add($"{name}{{{string.Join(",", labels.Select(l => $"{l.Item1}=\"{l.Item2}\""))}}} > 0");
        return pending;
    }

    /// <summary>The metric names that have at least one sample in a Prometheus text exposition.</summary>
    private static HashSet<string> SampleNames(string exposition) =>
        exposition.Split('\n').Where(line => line.Length > 0 && line[0] != '#')
            .Select(line => SampleName().Match(line)).Where(m => m.Success).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex SampleName();

    [GeneratedRegex(@"^# TYPE (\S+) \w+$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"_(bucket|sum|count)$")]
    private static partial Regex HistogramSuffix();
}
