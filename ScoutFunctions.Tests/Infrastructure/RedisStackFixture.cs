using System.Diagnostics;
using StackExchange.Redis;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// A real Redis Stack (RedisJSON + RediSearch) for the contract suite and the end-to-end cycle:
/// SCOUT_TEST_REDIS_STACK=host:port[,password=…] when set (any Redis Stack, not owned: tests only touch
/// what they create), else a redis-server started on a free loopback port with the modules in
/// SCOUT_TEST_REDIS_STACK_MODULES or in /opt/redis-stack/lib (where Redis's own redis-stack-server package puts them),
/// owned and stopped here. The redis-server beside the modules (/opt/redis-stack/bin) is preferred to the one on PATH:
/// RediSearch 2.8 and later need Redis 7.2 or later, and Debian 12's is 7.0.
/// </summary>
public sealed class RedisStackFixture : IAsyncLifetime, IRedisStackTarget
{
    public const string Variable = "SCOUT_TEST_REDIS_STACK";
    public const string ModulesVariable = "SCOUT_TEST_REDIS_STACK_MODULES";

    /// <summary>Where Redis's own redis-stack-server package installs the modules (and its redis-server in ../bin).</summary>
    public const string PackageModules = "/opt/redis-stack/lib";

    public const string HowToGetOne =
        "needs a Redis Stack (RediSearch + RedisJSON): install rejson.so and redisearch.so in " + PackageModules +
        " (Redis's redis-stack-server package, or built from their release tags; docs/testing.md), " +
        "set " + ModulesVariable + "=<folder with rejson.so and redisearch.so>, or point " + Variable + "=host:port at one " +
        "(e.g. docker run -p 6379:6379 redis/redis-stack-server)";

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
        !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Variable)) || FindModules() is not null ? null : HowToGetOne;

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
            var modules = FindModules()!;
            _directory = Directory.CreateTempSubdirectory("scout-redis-stack-").FullName;
            Port = FreePort.Next();
            _process = await ServerProcess.StartAsync(ServerBinary(modules),
                ["--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory,
                    "--loadmodule", Path.Combine(modules, "rejson.so"), "--loadmodule", Path.Combine(modules, "redisearch.so")],
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

    /// <summary>The modules folder: the variable, else the package's folder.</summary>
    private static string? FindModules() => FindModules("redisearch.so");

    /// <summary>The redis-server that goes with a modules folder: ../bin/redis-server beside it when present, else the one on PATH.</summary>
    public static string ServerBinary(string modules)
    {
        var beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modules).TrimEnd('/'))!, "bin", "redis-server");
        return File.Exists(beside) ? beside : RedisServerFixture.FindBinary();
    }

    /// <summary>The first modules folder holding rejson.so and the given RediSearch build (also used by the cluster fixture).</summary>
    internal static string? FindModules(string search)
    {
        var configured = Environment.GetEnvironmentVariable(ModulesVariable);
        if (!string.IsNullOrWhiteSpace(configured)) return HasModules(configured, search) ? configured : null;
        return HasModules(PackageModules, search) ? PackageModules : null;
    }

    private static bool HasModules(string folder, string search) =>
        File.Exists(Path.Combine(folder, "rejson.so")) && File.Exists(Path.Combine(folder, search));
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
