using System.Text.Json;
using Scout.Analytics;
using Scout.Http;
using Scout.Redis;
using Scout.Search;
using StackExchange.Redis;

namespace Scout.Bench;

/// <summary>
/// Writes snapshots the way RedisSnapshotStore does (one MSET of JSON strings under scout:snapshot:&lt;window&gt;),
/// built by SnapshotBuilder from 1,000 groups, so the served document has a realistic size.
/// </summary>
public static class SnapshotSeed
{
    public static async Task<int> RunAsync(int redisPort)
    {
        var plan = new WindowPlan([new("5m", TimeSpan.FromMinutes(5)), new("1h", TimeSpan.FromHours(1)), new("24h", TimeSpan.FromHours(24))], DateTimeOffset.UtcNow);
        var snapshots = SnapshotBuilder.Build(AggregationBench.Counts(1000, plan.Windows.Count), plan, TimeSpan.FromMilliseconds(12));
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redisPort}");
        await redis.GetDatabase().StringSetAsync(snapshots
            .Select(s => new KeyValuePair<RedisKey, RedisValue>(ScoutKeys.Snapshot(s.Window), JsonSerializer.Serialize(s, ScoutJson.Options)))
            .ToArray());
        Table.Progress($"seeded {snapshots.Count} snapshots on port {redisPort}");
        return 0;
    }
}
