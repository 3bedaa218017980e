using System.Globalization;
using System.Net;
using System.Text.Json;
using NRedisStack.RedisStackCommands;
using Scout.Tests.Infrastructure;
using StackExchange.Redis;

namespace Scout.Tests.Integration.Cluster;

/// <summary>
/// The real Scout app (real RediSearch adapter, no stand-in) given the address of one node of a
/// <see cref="RedisClusterFixture"/>, with its logs captured rather than on the console. Documents are written as
/// the producer writes them (JSON.SET), under a prefix and an index of this test only.
/// </summary>
public sealed class ClusterScout(ScoutApp app) : IAsyncDisposable
{
    public ScoutApp App { get; } = app;

    public CapturedLogs Logs => App.Logs;

    public static string NewIndex() => "scoutcluster" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Scout given the address of one node (the first shard's unless <paramref name="port"/> names another).</summary>
    public static async Task<ClusterScout> StartAsync(RedisClusterFixture cluster, string index, int? port = null, params (string Key, string? Value)[] settings)
    {
        var app = await ScoutApp.StartAsync(ScoutApp.Settings(port ?? cluster.Port,
            [("REDISEARCH_INDEX", index), ("SCOUT_INTERVAL", "1s"), ("SCOUT_RETENTION_ENABLED", "false"), ("LOG_LEVEL", "info"), .. settings]));
        return new ClusterScout(app);
    }

    /// <summary>The producer's ON JSON index (all TEXT) over this test's prefix, as omni-pitcher creates it (plus the prefix).</summary>
    public static async Task CreateProducerIndexAsync(IDatabase db, string index) =>
        await db.ExecuteAsync("FT.CREATE", index, "ON", "JSON", "PREFIX", "1", index + ":", "SCHEMA",
            "$.severity", "AS", "severity", "TEXT", "$.system", "AS", "system", "TEXT", "$.timestamp", "AS", "timestamp", "TEXT",
            "$.title", "AS", "title", "TEXT");

    /// <summary>Writes <paramref name="count"/> documents of one severity at the given instant, keys spread over every shard.</summary>
    public static async Task SeedAsync(IDatabase db, string index, int count, string severity, DateTimeOffset at)
    {
        var timestamp = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        await Task.WhenAll(Enumerable.Range(0, count).Select(i => db.JSON().SetAsync($"{index}:{Guid.NewGuid():N}", "$",
            new { severity, system = $"system-{i % 5}", timestamp, title = "cluster test" })));
    }

    public async Task<JsonElement?> SummaryAsync(string window = "all")
    {
        var response = await App.Client.SendAsync(App.Get("/analytics/summary?window=" + window));
        return response.IsSuccessStatusCode ? await HttpJson.ReadAsync(response) : null;
    }

    public async Task<HttpStatusCode> ReadyAsync() => (await App.Client.GetAsync("/health/ready")).StatusCode;

    public async Task<double> AggregationErrorsAsync() =>
        MetricsScrape.Sample(await App.Client.GetStringAsync("/metrics"), "homerun2_scout_aggregation_errors_total") ?? 0;

    public static async Task DropIndexAsync(IDatabase db, string index)
    {
        foreach (var name in new[] { "scout_" + index, index })
        {
            try
            {
                // DD only for the producer index: its prefix holds this test's documents only.
                await db.ExecuteAsync("FT.DROPINDEX", name == index ? [name, "DD"] : [name]);
            }
            catch (RedisException)
            {
            }
        }
    }

    public ValueTask DisposeAsync() => App.DisposeAsync();
}
