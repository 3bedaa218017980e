using System.Diagnostics;
using StackExchange.Redis;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// A real Redis Stack (RedisJSON + RediSearch) for the contract suite and the end-to-end cycle:
/// SCOUT_TEST_REDIS_STACK=host:port[,password=…] when set (any Redis 8 or Redis Stack, not owned: tests only touch
/// what they create), else the <see cref="StackEngine"/> found here (Redis 8, else Redis Stack's modules) started on a
/// free loopback port, owned and stopped here.
/// </summary>
public sealed class RedisStackFixture : IAsyncLifetime, IRedisStackTarget
{
    public const string Variable = "SCOUT_TEST_REDIS_STACK";
    public const string HowToGetOne =
        "needs Redis 8 (its query engine and JSON) or a Redis Stack: install Redis 8 as its official image lays it out (" +
        StackEngine.Redis8Server + ", modules in " + StackEngine.Redis8Modules + "), or rejson.so and redisearch.so in " +
        StackEngine.RedisStackModules + " (docs/testing.md), set " + StackEngine.ModulesVariable +
        "=<folder with rejson.so and redisearch.so>, or point " + Variable + "=host:port at one (e.g. docker run -p 6379:6379 redis:8.2.3)";

    private Process? _process;
    private string? _directory;

    /// <summary>host:port[,options] of the Redis Stack in use.</summary>
    public string Target { get; private set; } = "";

    public string Host { get; private set; } = "127.0.0.1";

    public int Port { get; private set; }

    public string? Password { get; private set; }

    public ConnectionMultiplexer Connection { get; private set; } = null!;

    public IDatabase Database => Connection.GetDatabase();

    /// <summary>Why no Redis Stack can be had here, or null when one can.</summary>
    public static string? Unavailable =>
        !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Variable)) || StackEngine.Current is not null ? null : HowToGetOne;

    public async Task InitializeAsync()
    {
        if (Unavailable is not null) return;
        var external = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            var options = ConfigurationOptions.Parse(external);
            (Host, Port) = options.EndPoints[0] switch
            {
                System.Net.DnsEndPoint dns => (dns.Host, dns.Port),
                System.Net.IPEndPoint ip => (ip.Address.ToString(), ip.Port),
                var other => throw new InvalidOperationException($"{Variable}: unsupported endpoint {other}"),
            };
            Password = options.Password;
            Target = external;
        }
        else
        {
            var engine = StackEngine.Current!;
            _directory = Directory.CreateTempSubdirectory("scout-redis-stack-").FullName;
            Port = FreePort.Next();
            _process = await ServerProcess.StartAsync(engine.Server,
                ["--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory,
                    .. engine.ModuleArguments()],
                Port, TimeSpan.FromSeconds(10));
            Target = $"127.0.0.1:{Port}";
        }
        Connection = await ConnectionMultiplexer.ConnectAsync(Target + ",abortConnect=false");
    }

    public async Task DisposeAsync()
    {
        if (Connection is not null) await Connection.DisposeAsync();
        await ServerProcess.StopAsync(_process);
        if (_directory is not null) try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>A Redis Stack to seed and to point Scout at: one node or any node of a cluster.</summary>
public interface IRedisStackTarget
{
    string Host { get; }

    int Port { get; }

    string? Password { get; }

    IDatabase Database { get; }
}

/// <summary>Shares one Redis Stack between the contract and end-to-end test classes.</summary>
[CollectionDefinition(Name)]
public sealed class RedisStackCollection : ICollectionFixture<RedisStackFixture>
{
    public const string Name = "redis-stack";
}
