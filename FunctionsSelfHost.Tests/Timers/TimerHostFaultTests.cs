using FunctionsSelfHost.Settings;
using FunctionsSelfHost.Timers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsSelfHost.Tests.Timers;

/// <summary>
/// Faults inside the timer host's own bookkeeping (the store, not the function) never end a function's
/// schedule: the real Redis store, with a decorator that makes one operation fail the way a slow Redis does.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class TimerHostFaultTests(RedisServerFixture redis) : IAsyncLifetime
{
    private TestRedisConnection _connection = null!;

    public async Task InitializeAsync()
    {
        await redis.FlushAsync();
        _connection = new TestRedisConnection(redis.Port);
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public async Task A_lease_release_that_times_out_does_not_stop_the_schedule()
    {
        var store = new FaultyStore(TestKeys.Store(_connection)) { FailReleases = 2 };
        var function = new TestTimerFunction("Flaky" + Guid.NewGuid().ToString("N")[..6], "1s", runOnStartup: true);
        using var host = NewHost(store, function);
        await host.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => Task.FromResult(function.Started >= 4), "runs go on after failed lease releases", 10);
            Assert.True(store.FailReleases < 0, "both injected release failures happened before these runs");
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_corrupt_stored_status_is_treated_as_none_instead_of_skipping_forever()
    {
        var function = new TestTimerFunction("Corrupt" + Guid.NewGuid().ToString("N")[..6], "1s");
        await redis.Database.StringSetAsync(TestKeys.Status(function.Name), "{\"lastOutcome\":\"succeeded\"}");
        var store = TestKeys.Store(_connection);
        Assert.Null(await store.GetRecordAsync(function.Name));
        await redis.Database.StringSetAsync(TestKeys.Status(function.Name), "not json at all");
        Assert.Null(await store.GetRecordAsync(function.Name));

        using var host = NewHost(store, function);
        await host.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => Task.FromResult(function.Started >= 1), "the function runs despite the corrupt status", 10);
            await Eventually.TrueAsync(async () => await store.GetRecordAsync(function.Name) is not null, "a readable status replaces it", 10);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_status_read_failure_gives_the_lease_back_at_once()
    {
        // Every status read fails: the one at start (tolerated) and the one under the lease (skips the run).
        var store = new FaultyStore(TestKeys.Store(_connection)) { FailRecordReads = 100 };
        var function = new TestTimerFunction("Unread" + Guid.NewGuid().ToString("N")[..6], "1h", runOnStartup: true);
        using var host = NewHost(store, function);
        await host.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => Task.FromResult(store.FailRecordReads <= 98), "the status read under the lease failed", 5);
            // Without the release the lease would block every replica for its full 15 s.
            await Eventually.TrueAsync(async () => !await redis.Database.KeyExistsAsync(TestKeys.Lease(function.Name)),
                "the lease is released right after the failed read", 3);
            Assert.Equal(0, function.Started);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static TimerHost NewHost(ITimerStore store, ITimerFunction function) =>
        new([function], store, HostSettings.From(new ConfigurationBuilder().Build(), "selfhost-tests"), TestConventions.Schedules, TimeProvider.System,
            NullLogger<TimerHost>.Instance, new InvocationCounts());

    /// <summary>The real store, except that a chosen number of operations fail like a Redis timeout.</summary>
    private sealed class FaultyStore(ITimerStore inner) : ITimerStore
    {
        private int _failReleases;
        private int _failRecordReads;

        public int FailReleases { get => Volatile.Read(ref _failReleases); init => _failReleases = value; }

        public int FailRecordReads { get => Volatile.Read(ref _failRecordReads); init => _failRecordReads = value; }

        public async Task<ITimerLease?> TryAcquireLeaseAsync(string function, TimeSpan duration) =>
            await inner.TryAcquireLeaseAsync(function, duration) is { } lease ? new FaultyLease(lease, this) : null;

        public Task<TimerRecord?> GetRecordAsync(string function) =>
            Interlocked.Decrement(ref _failRecordReads) >= 0 ? throw new TimeoutException("simulated slow Redis") : inner.GetRecordAsync(function);

        public Task SetRecordAsync(string function, TimerRecord record) => inner.SetRecordAsync(function, record);

        private sealed class FaultyLease(ITimerLease inner, FaultyStore store) : ITimerLease
        {
            public Task<bool> RenewAsync() => inner.RenewAsync();

            public async ValueTask DisposeAsync()
            {
                await inner.DisposeAsync();
                if (Interlocked.Decrement(ref store._failReleases) >= 0) throw new TimeoutException("simulated slow Redis");
            }
        }
    }
}
