using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Scout.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Scout.Tests.Integration.Load;

/// <summary>
/// Runs alone (after the parallel collections), so the process's managed heap is the app's and the
/// measurement is not disturbed by other tests allocating at the same time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoakCollection : ICollectionFixture<RedisServerFixture>
{
    public const string Name = "soak";
}

/// <summary>
/// Concurrent requests on every endpoint for 30 s while every timer function runs each second on a real
/// redis-server and a producer keeps writing (live and expired) messages.
/// </summary>
[Collection(SoakCollection.Name)]
public sealed class SoakTests(RedisServerFixture redis, ITestOutputHelper output)
{
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan Load = TimeSpan.FromSeconds(26);
    private const int Clients = 8;

    private static readonly string[] Paths =
    [
        "/", "/health", "/health/ready", "/metrics",
        "/analytics/summary", "/analytics/summary?window=1h", "/analytics/summary?window=5m",
        "/analytics/systems", "/analytics/systems?window=24h",
        "/analytics/alerts", "/analytics/alerts?window=1h",
    ];

    [Fact]
    public async Task Thirty_seconds_of_concurrent_load_give_no_server_error_no_error_log_and_stable_memory()
    {
        await redis.FlushAsync();
        for (var i = 0; i < 50; i++)
            await Messages.AddAsync(redis.Database, i % 5 == 0 ? "error" : "info", $"system-{i % 7}", DateTimeOffset.UtcNow.AddMinutes(-i));
        await using var pitcher = await FakePitcher.StartAsync();
        var logs = new CapturedLogs();
        await using var app = await ScoutApp.StartAsync(ScoutApp.Settings(redis.Port,
                ("SCOUT_INTERVAL", "1s"), ("SCOUT_RETENTION_TTL", "1h"),
                ("ALERT_PITCHER_URL", pitcher.BaseUrl), ("ALERT_ERROR_THRESHOLD", "1"), ("ALERT_COOLDOWN", "1s"), ("LOG_LEVEL", "info")),
            new PlainRedisSearchIndex(redis.Database), services =>
            {
                services.RemoveAll<ILoggerProvider>();
                services.AddSingleton<ILoggerProvider>(logs);
            });

        // Before the first cycle the analytics answer 503 by design; the soak measures the running service.
        foreach (var path in Paths)
            await Messages.EventuallyAsync(async () => (await app.Client.SendAsync(app.Get(path))).IsSuccessStatusCode, $"{path} answers 200 once the first cycle is done");

        var statuses = new ConcurrentDictionary<int, int>();
        var unexpected = new ConcurrentQueue<string>();
        var slowest = TimeSpan.Zero;
        var requests = 0L;
        using var stop = new CancellationTokenSource(WarmUp + Load);
        var producer = ProduceAsync(stop.Token);
        var clients = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            for (var n = c; !stop.IsCancellationRequested; n++)
            {
                var watch = Stopwatch.StartNew();
                var path = Paths[n % Paths.Length];
                using var response = await app.Client.SendAsync(app.Get(path));
                var body = await response.Content.ReadAsStringAsync();
                var elapsed = watch.Elapsed;
                if (response.StatusCode != System.Net.HttpStatusCode.OK && unexpected.Count < 5)
                    unexpected.Enqueue($"{(int)response.StatusCode} {path}: {body[..Math.Min(body.Length, 300)]}");
                statuses.AddOrUpdate((int)response.StatusCode, 1, (_, v) => v + 1);
                Interlocked.Increment(ref requests);
                lock (statuses) if (elapsed > slowest) slowest = elapsed;
            }
        })).ToList();

        await Task.Delay(WarmUp);
        var afterWarmUp = SettledHeap();
        var rssAfterWarmUp = Environment.WorkingSet;
        await Task.WhenAll([.. clients, producer]);
        var atEnd = SettledHeap();
        var rssAtEnd = Environment.WorkingSet;

        var invocations = await MetricsScrape.ValueAsync(app, "homerun2_scout_function_invocations_total", ("function", "AggregateAnalytics"), ("outcome", "succeeded"));
        var pruned = await MetricsScrape.ValueAsync(app, "homerun2_scout_retention_deleted_total");
        output.WriteLine($"{requests} requests, statuses {string.Join(", ", statuses.Select(s => $"{s.Key}={s.Value}"))}, slowest {slowest.TotalMilliseconds:F0} ms; " +
                         $"heap {afterWarmUp / 1e6:F1} MB after warm-up, {atEnd / 1e6:F1} MB at end; RSS {rssAfterWarmUp / 1e6:F1} MB → {rssAtEnd / 1e6:F1} MB; {invocations} aggregations, {pruned} pruned, {pitcher.Requests.Count} pitches");

        Assert.True(statuses.Keys.All(s => s == 200), "not every answer was 200, e.g.\n" + string.Join("\n", unexpected));
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Error);
        // The load really exercised the timers: aggregation every second, retention pruning, alerts delivered.
        Assert.True(invocations >= Load.TotalSeconds / 2, $"only {invocations} aggregations");
        Assert.True(pruned > 0, "retention deleted nothing");
        Assert.NotEmpty(pitcher.Requests);
        Assert.True(slowest < TimeSpan.FromSeconds(5), $"a request took {slowest}");
        // Live managed heap after a full, compacting collection: unlike RSS it does not depend on how much
        // memory the GC keeps reserved, so growth here is retained objects, i.e. a leak.
        Assert.True(atEnd <= afterWarmUp * 1.2, $"heap grew from {afterWarmUp} to {atEnd} bytes");
        // And the issue's own measure: the process's resident memory, read at the same settled points. The app
        // shares the test process, which runs nothing else meanwhile (this collection is not parallel).
        Assert.True(rssAtEnd <= rssAfterWarmUp * 1.2, $"RSS grew from {rssAfterWarmUp} to {rssAtEnd} bytes");
    }

    /// <summary>A producer writing 20 messages a second: half inside the windows, half past the retention TTL.</summary>
    private async Task ProduceAsync(CancellationToken stop)
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var age = i % 2 == 0 ? TimeSpan.FromMinutes(2) : TimeSpan.FromHours(3);
            await Messages.ProduceAsync(redis.Database, i % 4 == 0 ? "error" : "warning", $"producer-{i % 3}", DateTimeOffset.UtcNow - age);
            try { await Task.Delay(50, stop); } catch (OperationCanceledException) { }
        }
    }

    private static long SettledHeap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
