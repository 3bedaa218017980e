using StackExchange.Redis;
using Microsoft.Extensions.Time.Testing;
using Scout.Configuration;
using Scout.Redis;
using Scout.Search;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Contract;

/// <summary>
/// The older hash producer's index may have no PREFIX: RediSearch then indexes every hash, Scout's own counts included.
/// A Redis Stack of its own (such an index would index every other test's hashes too).
/// </summary>
public sealed class UnprefixedHashIndexTests
{
    [RedisStackModulesFact]
    public async Task Scout_never_counts_its_own_hashes_as_messages()
    {
        await using var stack = await AclRedisStack.StartAsync();
        var db = stack.Database;
        await db.ExecuteAsync("FT.CREATE", "messages", "ON", "HASH", "SCHEMA", "severity", "TEXT", "system", "TEXT", "timestamp", "NUMERIC", "SORTABLE");
        var now = ContractData.ReferenceNow;
        for (var i = 0; i < 20; i++)
            await db.HashSetAsync($"{Guid.NewGuid()}-billing",
                [new("severity", i % 2 == 0 ? "ERROR" : "info"), new("system", "billing"), new("timestamp", (now - TimeSpan.FromMinutes(i)).ToUnixTimeSeconds())]);
        var options = new ScoutOptions
        {
            RedisAddr = "127.0.0.1", RedisPort = stack.Port, RedisPassword = AclRedisStack.AdminPassword, Stream = "messages",
            Windows = [new("1h", TimeSpan.FromHours(1))], ReconcileInterval = TimeSpan.FromMinutes(1),
        };
        await using var connection = new RedisConnection(Microsoft.Extensions.Options.Options.Create(options));
        var adapter = new RediSearchIndex(connection, new FixedOptions(options), Microsoft.Extensions.Logging.Abstractions.NullLogger<RediSearchIndex>.Instance);
        var time = new FakeTimeProvider(now);
        var scout = new ScoutPipeline(adapter, connection, options, time);

        var first = await scout.CycleAsync();
        // Scout's counts are hashes now, and the index holds them: the next full pass reads them and must leave them out.
        // RESP2's [total, …], or RESP3's map (RediSearch 2.8 and later, Redis 8) with total_results.
        var reply = await db.ExecuteAsync("FT.SEARCH", "messages", "*", "LIMIT", "0", "0");
        var indexed = reply.Resp3Type == ResultType.Map ? (long)reply.ToDictionary()["total_results"] : (long)reply[0];
        Assert.True(indexed > 20, $"the index holds only {indexed} hashes: Scout's own were expected among them");
        time.Advance(TimeSpan.FromMinutes(2));
        var reconciled = await scout.CycleAsync();

        foreach (var snapshot in new[] { first, reconciled })
        {
            Assert.Equal(20, snapshot["all"].TotalMessages);
            Assert.Equal(10, snapshot["all"].SeverityCounts["error"]);
        }
        Assert.Equal("reconciliation due", reconciled["all"].Reconciliation!.Reason);
        Assert.Equal(0, reconciled["all"].Reconciliation!.Missed + reconciled["all"].Reconciliation!.Extra);
    }
}
