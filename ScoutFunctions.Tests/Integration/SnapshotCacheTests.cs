using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Scout.Analytics;
using Scout.Configuration;
using Scout.Redis;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration;

/// <summary>The HTTP functions' snapshot cache over the real Redis store: at most a second stale, failures never kept.</summary>
[Collection(RedisCollection.Name)]
public sealed class SnapshotCacheTests(RedisServerFixture redis) : IAsyncLifetime
{
    private RedisConnection _connection = null!;

    public async Task InitializeAsync()
    {
        await redis.FlushAsync();
        _connection = new RedisConnection(Options.Create(new ScoutOptions { RedisAddr = "127.0.0.1", RedisPort = redis.Port }));
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    private static AnalyticsSnapshot Snapshot(long total) => new("all", DateTimeOffset.UtcNow, 0.1, total,
        new Dictionary<string, long> { ["error"] = total }, [], 0, new AlertStats(total, new Dictionary<string, long>(), []));

    [Fact]
    public async Task A_new_snapshot_is_served_once_the_cached_one_is_a_second_old()
    {
        var store = new RedisSnapshotStore(_connection);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cache = new SnapshotCache(store, clock);
        Assert.Null(await cache.GetAsync("all"));

        await store.SaveAsync([Snapshot(1)]);
        Assert.Null(await cache.GetAsync("all")); // "none yet" is kept for the same second, like a snapshot
        clock.Advance(SnapshotCache.MaxAge);
        Assert.Equal(1, (await cache.GetAsync("all"))?.TotalMessages);

        await store.SaveAsync([Snapshot(2)]);
        clock.Advance(SnapshotCache.MaxAge / 2);
        Assert.Equal(1, (await cache.GetAsync("all"))?.TotalMessages);
        clock.Advance(SnapshotCache.MaxAge / 2);
        Assert.Equal(2, (await cache.GetAsync("all"))?.TotalMessages);
    }

    [Fact]
    public async Task A_failed_read_is_not_cached()
    {
        var store = new RedisSnapshotStore(_connection);
        await store.SaveAsync([Snapshot(5)]);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cache = new SnapshotCache(store, clock);
        await redis.Database.StringSetAsync(ScoutKeys.Snapshot("all"), "{ not json");
        await Assert.ThrowsAnyAsync<System.Text.Json.JsonException>(() => cache.GetAsync("all"));

        await store.SaveAsync([Snapshot(6)]);
        Assert.Equal(6, (await cache.GetAsync("all"))?.TotalMessages);
    }
}
