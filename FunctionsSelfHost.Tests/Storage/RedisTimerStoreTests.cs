using FunctionsSelfHost.Storage;
using FunctionsSelfHost.Timers;

namespace FunctionsSelfHost.Tests.Storage;

/// <summary>Leases and schedule status of the timer host, on a real redis-server.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisTimerStoreTests(RedisServerFixture redis) : IAsyncLifetime
{
    private const string Function = "StoreTest";
    private TestRedisConnection _connection = null!;
    private RedisTimerStore _store = null!;

    public async Task InitializeAsync()
    {
        await redis.FlushAsync();
        _connection = new TestRedisConnection(redis.Port);
        _store = TestKeys.Store(_connection);
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    private Task<bool> LeaseKeyExistsAsync() => redis.Database.KeyExistsAsync(TestKeys.Lease(Function));

    /// <summary>Waits until Redis has expired the lease key on its own.</summary>
    private Task WaitForExpiryAsync() =>
        Eventually.TrueAsync(async () => !await LeaseKeyExistsAsync(), "the lease key expires", seconds: 5);

    [Fact]
    public async Task A_second_acquire_fails_while_the_lease_is_held_and_succeeds_after_release()
    {
        var first = await _store.TryAcquireLeaseAsync(Function, TimeSpan.FromSeconds(30));
        Assert.NotNull(first);

        Assert.Null(await _store.TryAcquireLeaseAsync(Function, TimeSpan.FromSeconds(30)));
        // Another function has a lease of its own.
        await using (var other = await _store.TryAcquireLeaseAsync(Function + "Other", TimeSpan.FromSeconds(30)))
            Assert.NotNull(other);

        await first.DisposeAsync();
        Assert.False(await LeaseKeyExistsAsync());
        await using var second = await _store.TryAcquireLeaseAsync(Function, TimeSpan.FromSeconds(30));
        Assert.NotNull(second);
    }

    [Fact]
    public async Task An_expired_holder_releasing_does_not_free_the_lease_another_holder_took()
    {
        var stale = await _store.TryAcquireLeaseAsync(Function, TimeSpan.FromMilliseconds(200));
        Assert.NotNull(stale);
        await WaitForExpiryAsync();
        await using var current = await _store.TryAcquireLeaseAsync(Function, TimeSpan.FromSeconds(30));
        Assert.NotNull(current);

        await stale.DisposeAsync();

        Assert.True(await LeaseKeyExistsAsync(), "the stale holder deleted the current holder's lease");
        Assert.Null(await _store.TryAcquireLeaseAsync(Function, TimeSpan.FromSeconds(30)));
        Assert.True(await current.RenewAsync());
    }

    [Fact]
    public async Task Renewing_keeps_the_lease_past_its_original_duration()
    {
        // Long enough that a loaded machine's stall between two renewals (every 0.4 s) does not outlast it.
        var duration = TimeSpan.FromSeconds(4);
        await using var lease = await _store.TryAcquireLeaseAsync(Function, duration);
        Assert.NotNull(lease);

        // Renew for twice the original duration: without renewal the key would be gone after 4 s.
        var until = DateTime.UtcNow + duration * 2;
        while (DateTime.UtcNow < until)
        {
            await Task.Delay(400);
            Assert.True(await lease.RenewAsync());
        }
        Assert.True(await LeaseKeyExistsAsync());
        var ttl = await redis.Database.KeyTimeToLiveAsync(TestKeys.Lease(Function));
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, duration - TimeSpan.FromSeconds(2), duration);
        Assert.Null(await _store.TryAcquireLeaseAsync(Function, duration));
    }

    [Fact]
    public async Task Renew_returns_false_once_the_lease_expired_and_another_holder_took_it()
    {
        await using var lost = await _store.TryAcquireLeaseAsync(Function, TimeSpan.FromMilliseconds(200));
        Assert.NotNull(lost);
        await WaitForExpiryAsync();
        await using var taken = await _store.TryAcquireLeaseAsync(Function, TimeSpan.FromSeconds(30));
        Assert.NotNull(taken);
        var ttlBefore = await redis.Database.KeyTimeToLiveAsync(TestKeys.Lease(Function));

        Assert.False(await lost.RenewAsync());

        // The failed renewal did not touch the new holder's expiry (it would reset it to 200 ms).
        var ttlAfter = await redis.Database.KeyTimeToLiveAsync(TestKeys.Lease(Function));
        Assert.True(ttlAfter > TimeSpan.FromSeconds(20), $"TTL {ttlAfter} (was {ttlBefore})");
    }

    [Fact]
    public async Task Renew_returns_false_when_the_lease_expired_and_nobody_took_it()
    {
        await using var lease = await _store.TryAcquireLeaseAsync(Function, TimeSpan.FromMilliseconds(200));
        Assert.NotNull(lease);
        await WaitForExpiryAsync();

        Assert.False(await lease.RenewAsync());
        Assert.False(await LeaseKeyExistsAsync());
    }

    [Fact]
    public async Task A_lease_whose_holder_stops_renewing_expires_and_can_be_taken()
    {
        var started = DateTime.UtcNow;
        var abandoned = await _store.TryAcquireLeaseAsync(Function, TimeSpan.FromMilliseconds(500));
        Assert.NotNull(abandoned);

        ITimerLease? next = null;
        await Eventually.TrueAsync(async () => (next = await _store.TryAcquireLeaseAsync(Function, TimeSpan.FromSeconds(30))) is not null,
            "the abandoned lease expires", seconds: 5);
        var waited = DateTime.UtcNow - started;

        Assert.True(waited >= TimeSpan.FromMilliseconds(400), $"taken after only {waited.TotalMilliseconds} ms");
        Assert.True(waited < TimeSpan.FromSeconds(2), $"taken only after {waited.TotalMilliseconds} ms");
        await next!.DisposeAsync();
    }

    [Fact]
    public async Task A_stored_record_round_trips_with_every_field()
    {
        Assert.Null(await _store.GetRecordAsync(Function));
        var last = new DateTimeOffset(2026, 3, 11, 12, 0, 0, TimeSpan.Zero);
        var record = new TimerRecord(new ScheduleStatus(last, last.AddMinutes(1), last.AddSeconds(2.5)), InvocationOutcome.Failed, 2.5, "boom \"quoted\"");

        await _store.SetRecordAsync(Function, record);

        var read = await _store.GetRecordAsync(Function);
        Assert.Equal(record, read);
        Assert.Equal(record.ScheduleStatus, read!.ScheduleStatus);
        // Stored under the documented key, as plain JSON text.
        var raw = (string?)await redis.Database.StringGetAsync(TestKeys.Status(Function));
        Assert.Contains("\"failed\"", raw);

        var first = new TimerRecord(new ScheduleStatus(null, last, last), InvocationOutcome.Succeeded, 0.01);
        await _store.SetRecordAsync(Function, first);
        Assert.Equal(first, await _store.GetRecordAsync(Function));
    }
}
