using FunctionsSelfHost.Timers;

namespace FunctionsSelfHost.Tests.Storage;

/// <summary>The timer store contract on a real redis-server of its own (stopped and restarted by the tests).</summary>
public sealed class RedisTimerStoreContractTests(RedisServerFixture redis) : TimerStoreContract, IClassFixture<RedisServerFixture>, IAsyncDisposable
{
    private readonly List<TestRedisConnection> _connections = [];

    protected override ITimerStore CreateStore()
    {
        var connection = new TestRedisConnection(redis.Port);
        _connections.Add(connection);
        return TestKeys.Store(connection);
    }

    // Redis grants any duration; 3 s keeps renewal checks clear of scheduling stalls on a busy machine.
    protected override TimeSpan ShortestLease => TimeSpan.FromSeconds(3);

    protected override Task StopStorageAsync() => redis.StopAsync();

    protected override async Task StartStorageAsync()
    {
        await redis.StopAsync();
        await redis.StartAsync(redis.Port);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections) await connection.DisposeAsync();
    }
}
