using Microsoft.Extensions.Options;
using Scout.Configuration;
using Scout.Hosting;
using Scout.Redis;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.TimerStores;

/// <summary>The timer store contract on a real redis-server of its own (stopped and restarted by the tests).</summary>
public sealed class RedisTimerStoreContractTests(RedisServerFixture redis) : TimerStoreContract, IClassFixture<RedisServerFixture>, IAsyncDisposable
{
    private readonly List<RedisConnection> _connections = [];

    protected override ITimerStore CreateStore()
    {
        var connection = new RedisConnection(Options.Create(new ScoutOptions { RedisAddr = "127.0.0.1", RedisPort = redis.Port }));
        _connections.Add(connection);
        return new RedisTimerStore(connection);
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
