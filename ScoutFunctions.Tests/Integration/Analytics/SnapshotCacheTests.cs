using Microsoft.Extensions.Options;
using Scout.Analytics;
using Scout.Caching;
using Scout.Configuration;
using Scout.Observability;
using Scout.Redis;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Analytics;

/// <summary>The snapshots the HTTP functions serve, over the real Redis store: a new one within about a second, failures never held, staleness told.</summary>
[Collection(RedisCollection.Name)]
public sealed class SnapshotCacheTests(RedisServerFixture redis) : IAsyncLifetime
{
    private RedisConnection _connection = null!;
    private HeldReads _held = null!;
    private readonly ScoutOptions _options = new() { RedisAddr = "127.0.0.1", Interval = TimeSpan.FromSeconds(60) };

    public async Task InitializeAsync()
    {
        await redis.FlushAsync();
        _options.RedisPort = redis.Port;
        _connection = new RedisConnection(Options.Create(_options));
        _held = new HeldReads(TimeProvider.System, new RedisFailure(Options.Create(_options), _connection), new ScoutMetrics());
    }

    public async Task DisposeAsync()
    {
        _held.Dispose();
        await _connection.DisposeAsync();
    }

    private SnapshotCache Cache(RedisSnapshotStore store) => new(store, _held, new FixedOptions(_options), TimeProvider.System);

    private static AnalyticsSnapshot Snapshot(long total, DateTimeOffset? at = null) => new("all", at ?? DateTimeOffset.UtcNow, 0.1, total,
        new Dictionary<string, long> { ["error"] = total }, [], 0, new AlertStats(total, new Dictionary<string, long>(), []));

    [Fact]
    public async Task A_new_snapshot_is_served_about_a_second_after_it_is_stored()
    {
        var store = new RedisSnapshotStore(_connection);
        var cache = Cache(store);
        Assert.Null(await cache.GetAsync("all"));

        await store.SaveAsync([Snapshot(1)]);
        Assert.Null(await cache.GetAsync("all")); // "none yet" is held for its second, like a snapshot
        await Messages.EventuallyAsync(async () => (await cache.GetAsync("all"))?.TotalMessages == 1, "the first snapshot", seconds: 3);

        await store.SaveAsync([Snapshot(2)]);
        var saved = DateTime.UtcNow;
        await Messages.EventuallyAsync(async () => (await cache.GetAsync("all"))?.TotalMessages == 2, "the second snapshot", seconds: 3);
        Assert.True(DateTime.UtcNow - saved < ReadBounds.FreshFor * 2 + TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public async Task A_failed_read_is_not_held()
    {
        var store = new RedisSnapshotStore(_connection);
        await redis.Database.StringSetAsync(ScoutKeys.Snapshot("all"), "{ not json");
        var cache = Cache(store);
        await Assert.ThrowsAnyAsync<System.Text.Json.JsonException>(() => cache.GetAsync("all"));

        await store.SaveAsync([Snapshot(6)]);
        Assert.Equal(6, (await cache.GetAsync("all"))?.TotalMessages);
    }

    [Fact]
    public async Task A_snapshot_older_than_three_intervals_is_stale()
    {
        var store = new RedisSnapshotStore(_connection);
        var cache = Cache(store);
        Assert.Equal(TimeSpan.FromMinutes(3), cache.StaleAfter);
        Assert.False(cache.IsStale(Snapshot(1, DateTimeOffset.UtcNow - TimeSpan.FromMinutes(2.9))));
        Assert.True(cache.IsStale(Snapshot(1, DateTimeOffset.UtcNow - TimeSpan.FromMinutes(3.1))));
    }
}
