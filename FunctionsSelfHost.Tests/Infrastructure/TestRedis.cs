using StackExchange.Redis;

namespace FunctionsSelfHost.Tests;

/// <summary>A connection to the test's redis-server that, like an app's, survives Redis being down (no abort on connect failure, short timeouts).</summary>
public sealed class TestRedisConnection(int port) : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _multiplexer = ConnectionMultiplexer.Connect(new ConfigurationOptions
    {
        EndPoints = { { "127.0.0.1", port } },
        AbortOnConnectFail = false,
        ConnectTimeout = 2000,
        SyncTimeout = 2000,
        AsyncTimeout = 2000,
    });

    public IDatabase Database => _multiplexer.GetDatabase();

    public ValueTask DisposeAsync() => _multiplexer.DisposeAsync();
}

/// <summary>The keys the tests' timer stores use.</summary>
public static class TestKeys
{
    public const string Prefix = "{selfhost-tests}:";

    public static string Lease(string function) => FunctionsSelfHost.Storage.RedisTimerStore.LeaseKey(Prefix, function);

    public static string Status(string function) => FunctionsSelfHost.Storage.RedisTimerStore.StatusKey(Prefix, function);

    public static FunctionsSelfHost.Storage.RedisTimerStore Store(TestRedisConnection connection) => new(() => connection.Database, Prefix);
}

/// <summary>The collection sharing one redis-server.</summary>
[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>
{
    public const string Name = "redis";
}
