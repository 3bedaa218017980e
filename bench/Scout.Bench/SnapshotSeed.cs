using System.Text.Json;
using Scout.Analytics;
using Scout.Http;
using Scout.Redis;
using StackExchange.Redis;

namespace Scout.Bench;

/// <summary>
/// Writes snapshots the way RedisSnapshotStore does (one MSET of JSON strings under scout:snapshot:&lt;window&gt;),
/// built by SnapshotBuilder from 1,000 groups per window, so the served document has a realistic size.
/// </summary>
public static class SnapshotSeed
{
    private static readonly string[] Severities = ["info", "warning", "error", "critical", "debug"];

    public static async Task<int> RunAsync(int redisPort)
    {
        var now = DateTimeOffset.UtcNow;
        var snapshots = new[] { "all", "5m", "1h", "24h" }
            .Select(window => SnapshotBuilder.BuildWindow(window, Groups(1000), now, TimeSpan.FromMilliseconds(12))).ToList();
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redisPort}");
        await redis.GetDatabase().StringSetAsync(snapshots
            .Select(s => new KeyValuePair<RedisKey, RedisValue>(ScoutKeys.Snapshot(s.Window), JsonSerializer.Serialize(s, ScoutJson.Options)))
            .ToArray());
        Table.Progress($"seeded {snapshots.Count} snapshots on port {redisPort}");
        return 0;
    }

    /// <summary>Distinct (severity, system) groups with varied counts: many systems, as on a busy platform.</summary>
    private static List<GroupCount> Groups(int groups) => Enumerable.Range(0, groups)
        .Select(i => new GroupCount(Severities[i % Severities.Length], $"system-{i / Severities.Length:D5}", 1 + (i * 7919L % 5000)))
        .ToList();
}
