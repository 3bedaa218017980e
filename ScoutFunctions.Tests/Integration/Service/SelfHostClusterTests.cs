using System.Net;
using Scout.Tests.Contract;
using Scout.Tests.Infrastructure;
using Scout.Tests.Integration.Cluster;
using Xunit.Abstractions;

namespace Scout.Tests.Integration.Service;

/// <summary>
/// The self-host as a process (the native AOT binary under SCOUT_TEST_NATIVE_SELFHOST) given one node of a three-shard
/// Redis Stack cluster: it finds the cluster, reads through the coordinator and counts the documents of every shard.
/// </summary>
[Trait(ScoutProcess.Trait, ScoutProcess.SelfHost)]
[Collection(RedisClusterCollection.Name)]
public sealed class SelfHostClusterTests(RedisClusterFixture cluster, ITestOutputHelper output)
{
    private const string Token = "cluster-token-81d2";

    [RedisClusterFact]
    public async Task On_a_redis_cluster_the_self_host_counts_the_documents_of_every_shard()
    {
        var index = ClusterScout.NewIndex();
        var db = cluster.Connection.GetDatabase();
        await ClusterScout.CreateProducerIndexAsync(db, index);
        await ClusterScout.SeedAsync(db, index, 30, "error", DateTimeOffset.UtcNow.AddMinutes(-1));
        await ClusterScout.SeedAsync(db, index, 12, "info", DateTimeOffset.UtcNow.AddMinutes(-2));

        await using var http = SelfHostHttp.Start(Token, output,
            ("REDIS_ADDR", cluster.Host), ("REDIS_PORT", cluster.Port.ToString()), ("REDISEARCH_INDEX", index),
            ("SCOUT_INTERVAL", "1s"), ("SCOUT_RETENTION_ENABLED", "false"));
        var summary = await http.EventuallyServedAsync("/analytics/summary", 42);
        Assert.Equal(30, summary.GetProperty("severityCounts").GetProperty("error").GetInt64());
        Assert.Equal(HttpStatusCode.OK, (await http.Client.GetAsync("/health/ready")).StatusCode);
    }
}
