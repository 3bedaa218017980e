using System.Net;
using FunctionsSelfHost.Timers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scout.Alerting;
using Scout.Redis;
using Scout.Tests.Contract;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Cluster;

/// <summary>
/// Two real Scout replicas on the three-shard Redis Stack, each given a different node's address and nothing else:
/// both aggregate the documents of every shard into the same snapshots (one MSET in Scout's hash-tag slot), and
/// they share the timer leases, the timer status and the alert cooldowns.
/// </summary>
[Trait("Category", "Cluster")]
[Collection(RedisClusterCollection.Name)]
public sealed class ClusterReplicaTests(RedisClusterFixture cluster)
{
    [RedisClusterFact]
    public async Task Two_replicas_on_different_nodes_serve_the_same_counts_and_share_leases_status_and_cooldowns()
    {
        var index = ClusterScout.NewIndex();
        var db = cluster.Database;
        await ClusterScout.CreateProducerIndexAsync(db, index);
        try
        {
            var now = DateTimeOffset.UtcNow;
            await ClusterScout.SeedAsync(db, index, 12, "error", now - TimeSpan.FromMinutes(10));
            await ClusterScout.SeedAsync(db, index, 7, "INFO", now - TimeSpan.FromHours(2));
            await ClusterScout.SeedAsync(db, index, 5, "critical", now - TimeSpan.FromHours(30));

            await using var first = await ClusterScout.StartAsync(cluster, index, cluster.Ports[0]);
            await using var second = await ClusterScout.StartAsync(cluster, index, cluster.Ports[2]);

            foreach (var replica in new[] { first, second })
            {
                await Messages.EventuallyAsync(async () => (await replica.SummaryAsync())?.GetProperty("totalMessages").GetInt64() == 24,
                    "the replica serves a snapshot of all 24 documents", seconds: 20);
                var hour = (await replica.SummaryAsync("1h"))!.Value.GetProperty("severityCounts");
                Assert.Equal(12, hour.GetProperty("error").GetInt64());
                Assert.False(hour.TryGetProperty("info", out _));
                var day = (await replica.SummaryAsync("24h"))!.Value.GetProperty("severityCounts");
                Assert.Equal((12, 7), (day.GetProperty("error").GetInt64(), day.GetProperty("info").GetInt64()));
                Assert.False(day.TryGetProperty("critical", out _));
                Assert.Equal(HttpStatusCode.OK, await replica.ReadyAsync());
            }

            // Every window's snapshot in the one slot of Scout's hash tag: the MSET that wrote them is one command.
            var slots = new[] { "all", "1h", "24h", "5m" }.Select(w => cluster.Connection.HashSlot(ScoutKeys.Snapshot(w))).Distinct();
            Assert.Single(slots);
            foreach (var window in new[] { "all", "1h", "24h", "5m" })
                Assert.True(await db.KeyExistsAsync(ScoutKeys.Snapshot(window)), window);

            var firstStore = first.App.Services.GetRequiredService<ITimerStore>();
            var secondStore = second.App.Services.GetRequiredService<ITimerStore>();
            var function = "ClusterShared" + index;
            await using (var lease = await firstStore.TryAcquireLeaseAsync(function, TimeSpan.FromSeconds(30)))
            {
                Assert.NotNull(lease);
                Assert.Null(await secondStore.TryAcquireLeaseAsync(function, TimeSpan.FromSeconds(30)));
            }
            await using (var taken = await secondStore.TryAcquireLeaseAsync(function, TimeSpan.FromSeconds(30)))
                Assert.NotNull(taken);
            await db.KeyDeleteAsync(ScoutKeys.Lease(function));

            // The status one replica stores is the one the other reads.
            var aggregate = await secondStore.GetRecordAsync("AggregateAnalytics");
            Assert.NotNull(aggregate);
            Assert.Equal("succeeded", aggregate.LastOutcome);

            var firstCooldowns = first.App.Services.GetRequiredService<AlertCooldowns>();
            var secondCooldowns = second.App.Services.GetRequiredService<AlertCooldowns>();
            var rule = "cluster-" + index;
            var claim = await firstCooldowns.TryClaimAsync(rule, TimeSpan.FromMinutes(1));
            Assert.NotNull(claim);
            Assert.Null(await secondCooldowns.TryClaimAsync(rule, TimeSpan.FromMinutes(1)));
            await firstCooldowns.ReleaseAsync(rule, claim);
            var again = await secondCooldowns.TryClaimAsync(rule, TimeSpan.FromMinutes(1));
            Assert.NotNull(again);
            await secondCooldowns.ReleaseAsync(rule, again);

            foreach (var replica in new[] { first, second })
                Assert.DoesNotContain(replica.Logs.Entries, e => e.Level >= LogLevel.Error);
        }
        finally
        {
            await ClusterScout.DropIndexAsync(db, index);
        }
    }
}
