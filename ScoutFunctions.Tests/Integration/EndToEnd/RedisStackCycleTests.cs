using System.Globalization;
using Scout.Tests.Contract;
using Scout.Tests.Infrastructure;
using Scout.Tests.Integration.Service;

namespace Scout.Tests.Integration.EndToEnd;

/// <summary>
/// The whole service on a real Redis Stack: producer-shaped JSON documents, the real RediSearch adapter,
/// the timers, the counts, the snapshots and the HTTP API: the first cycle counts the documents already there.
/// </summary>
[Trait("Category", "Contract")]
[Collection(RedisStackCollection.Name)]
[Trait(ScoutProcess.Trait, ScoutProcess.SelfHost)]
public sealed class RedisStackCycleTests(RedisStackFixture stack) : IAsyncLifetime
{
    private readonly ContractData _data = new(stack);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _data.DisposeAsync().AsTask();

    [RedisStackFact]
    public async Task A_cycle_counts_every_window_of_the_documents_already_there()
    {
        var now = DateTimeOffset.UtcNow;
        string Ago(TimeSpan age) => (now - age).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        Document[] documents =
        [
            new("1", "ERROR", "api-gateway", Ago(TimeSpan.FromMinutes(1)), null),
            new("2", "error", "api-gateway", Ago(TimeSpan.FromHours(2)), null),
            new("3", "Critical", "Edge Proxy", Ago(TimeSpan.FromMinutes(30)), null),
            new("4", "info", "billing", Ago(TimeSpan.FromDays(3)), null),
            new("5", "warning", "auth", "yesterday", null),
        ];
        var (index, _) = await _data.SeedJsonIndexAsync(documents);

        await using var app = await ScoutApp.StartAsync(ScoutApp.Settings(stack.Port,
            ("REDIS_ADDR", stack.Host), ("REDIS_PASSWORD", stack.Password ?? ""), ("REDISEARCH_INDEX", index), ("SCOUT_INTERVAL", "1s"),
            // The 3-day-old document is past the default 48 h retention: the pruner would race the counts (retention
            // has tests of its own).
            ("SCOUT_RETENTION_ENABLED", "false")));

        await Messages.EventuallyAsync(async () => await AggregationSourceAsync(app) == "producer",
            "the first cycle reads the producer's index", seconds: 30);
        var all = await HttpJson.ReadAsync(await app.Client.SendAsync(app.Get("/analytics/summary")));
        var hour = await HttpJson.ReadAsync(await app.Client.SendAsync(app.Get("/analytics/summary?window=1h")));
        var alerts = await HttpJson.ReadAsync(await app.Client.SendAsync(app.Get("/analytics/alerts?window=24h")));

        Assert.Equal(5, all.GetProperty("totalMessages").GetInt64());
        Assert.Equal(2, all.GetProperty("severityCounts").GetProperty("error").GetInt64());
        Assert.Equal(2, hour.GetProperty("totalMessages").GetInt64());
        Assert.Equal(1, hour.GetProperty("severityCounts").GetProperty("error").GetInt64());
        Assert.Equal(1, hour.GetProperty("severityCounts").GetProperty("critical").GetInt64());
        Assert.Equal(3, alerts.GetProperty("totalAlerts").GetInt64());
        var health = await HttpJson.ReadAsync(await app.Client.SendAsync(app.Get("/health")));
        Assert.Equal(index, health.GetProperty("aggregation").GetProperty("index").GetString());
    }

    private static async Task<string?> AggregationSourceAsync(ScoutApp app)
    {
        var health = await HttpJson.ReadAsync(await app.Client.SendAsync(app.Get("/health")));
        return health.TryGetProperty("aggregation", out var aggregation) ? aggregation.GetProperty("source").GetString() : null;
    }
}
