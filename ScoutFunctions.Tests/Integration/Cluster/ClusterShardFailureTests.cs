using System.Net;
using System.Text.Json;
using Scout.Redis;
using Scout.Tests.Contract;
using Scout.Tests.Infrastructure;
using Scout.Tests.Integration.Service;

namespace Scout.Tests.Integration.Cluster;

/// <summary>
/// One shard of the three killed while Scout aggregates every second, then restarted on its port and folder (its
/// append-only file brings its documents back). RediSearch's coordinator would answer with the other two shards'
/// counts, and the live shards keep serving (cluster-require-full-coverage no), so the snapshot MSET would succeed:
/// Scout must fail those cycles instead, write nothing, report unready, keep serving, and recover.
/// </summary>
[Trait("Category", "Cluster")]
[Trait(ScoutProcess.Trait, ScoutProcess.SelfHost)]
public sealed class ClusterShardFailureTests(ShardFaultClusterFixture cluster) : IClassFixture<ShardFaultClusterFixture>
{
    private const int Total = 13;

    [RedisClusterFact]
    public async Task A_killed_shard_fails_the_cycle_without_writing_and_the_restarted_shard_lets_the_next_cycle_succeed()
    {
        var index = ClusterScout.NewIndex();
        var db = cluster.Database;
        await ClusterScout.CreateProducerIndexAsync(db, index);
        var now = DateTimeOffset.UtcNow;
        await ClusterScout.SeedAsync(db, index, 9, "error", now - TimeSpan.FromMinutes(10));
        await ClusterScout.SeedAsync(db, index, 4, "info", now - TimeSpan.FromHours(2));
        await using var scout = await ClusterScout.StartAsync(cluster, index);
        await Messages.EventuallyAsync(async () => (await scout.SummaryAsync())?.GetProperty("totalMessages").GetInt64() == Total,
            "a first complete snapshot", seconds: 20);
        Assert.Equal(HttpStatusCode.OK, await scout.ReadyAsync());

        // A shard that holds documents but not Scout's own keys: with it gone the snapshot MSET would still succeed.
        var scoutShard = cluster.ShardOf(ScoutKeys.Snapshot("all"));
        var victim = Enumerable.Range(0, RedisClusterFixture.ShardCount).First(i => i != scoutShard);
        var errorsBefore = await scout.AggregationErrorsAsync();
        await cluster.KillShardAsync(victim);
        var restarted = false;
        try
        {
            await Messages.EventuallyAsync(async () => await scout.ReadyAsync() == HttpStatusCode.ServiceUnavailable,
                "unready while a shard is down", seconds: 10);
            var ready = await HttpJson.ReadAsync(await scout.App.Client.GetAsync("/health/ready"));
            Assert.Equal("unavailable", ready.GetProperty("status").GetString());
            await Messages.EventuallyAsync(async () => await scout.AggregationErrorsAsync() >= errorsBefore + 2,
                "two aggregation cycles fail while the shard is down", seconds: 10);

            // Nothing is written while the shard is down: the stored snapshot stays the last complete one.
            var stored = await StoredSnapshotAsync();
            Assert.Equal(Total, stored.GetProperty("totalMessages").GetInt64());
            var generatedAt = stored.GetProperty("generatedAt").GetString();
            for (var i = 0; i < 40; i++)
            {
                await Task.Delay(100);
                var later = await StoredSnapshotAsync();
                Assert.Equal(generatedAt, later.GetProperty("generatedAt").GetString());
                Assert.Equal(Total, later.GetProperty("totalMessages").GetInt64());
            }
            Assert.Equal(Total, (await scout.SummaryAsync())?.GetProperty("totalMessages").GetInt64());
            Assert.Equal(HttpStatusCode.OK, (await scout.App.Client.GetAsync("/health")).StatusCode);
            // The failed cycle says why: a shard of the cluster, not a query error.
            Assert.Contains(scout.Logs.Entries, e => e.Message.Contains("'AggregateAnalytics' (failed", StringComparison.Ordinal)
                && e.Message.Contains("shard of the Redis Cluster", StringComparison.Ordinal));
            Assert.Equal("failed", (await FunctionHealthAsync()).GetProperty("lastOutcome").GetString());

            await cluster.RestartShardAsync(victim);
            restarted = true;

            await Messages.EventuallyAsync(async () => await scout.ReadyAsync() == HttpStatusCode.OK,
                "ready again once the shard is back", seconds: 20);
            await Messages.EventuallyAsync(async () =>
                {
                    var snapshot = await StoredSnapshotAsync();
                    return snapshot.GetProperty("generatedAt").GetString() != generatedAt;
                }, "a new snapshot once the shard is back", seconds: 20);
            var recovered = await StoredSnapshotAsync();
            Assert.Equal(Total, recovered.GetProperty("totalMessages").GetInt64());
            Assert.Equal(9, recovered.GetProperty("severityCounts").GetProperty("error").GetInt64());
            Assert.Equal("succeeded", (await FunctionHealthAsync()).GetProperty("lastOutcome").GetString());
        }
        finally
        {
            if (!restarted) await cluster.RestartShardAsync(victim);
            await ClusterScout.DropIndexAsync(db, index);
        }

        async Task<JsonElement> StoredSnapshotAsync() =>
            JsonDocument.Parse((string)(await db.StringGetAsync(ScoutKeys.Snapshot("all")))!).RootElement;

        async Task<JsonElement> FunctionHealthAsync()
        {
            var health = await HttpJson.ReadAsync(await scout.App.Client.GetAsync("/health"));
            return health.GetProperty("functions").GetProperty("AggregateAnalytics");
        }
    }
}
