using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// A sharded Redis Stack started and owned here, the way ../shared/redis-stack/start-cluster.sh starts one: a Redis
/// Cluster of three primaries (no replicas), each the <see cref="StackEngine"/>'s redis-server with RedisJSON and the query
/// engine as a coordinator (Redis 8's redisearch.so, or Redis Stack's redisearch-coord.so with PARTITIONS AUTO), on free loopback ports (client and cluster bus port both
/// picked free), in a temporary folder. Every process is killed at the end, and already on a failed start.
/// The modules are found like <see cref="RedisStackFixture"/> finds them; without them the tests are skipped.
/// </summary>
public class RedisClusterFixture : IAsyncLifetime, IRedisStackTarget
{
    public const int ShardCount = 3;

    /// <summary>RediSearch's coordinator re-reads the cluster's slots about once a second: FT.* sent earlier may miss shards.</summary>
    private static readonly TimeSpan CoordinatorSettle = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    public const string HowToGetOne =
        "needs Redis 8 (its redisearch.so coordinates a cluster) or the Redis Stack modules for a cluster (rejson.so, redisearch.so and " +
        StackEngine.Coordinator + ") in " + StackEngine.RedisStackModules + " or in " + StackEngine.ModulesVariable + "=<folder with them> (docs/testing.md)";

    private readonly List<Shard> _shards = [];
    private string? _directory;
    private StackEngine _engine = null!;

    /// <summary>Why no cluster can be started here, or null when one can.</summary>
    public static string? Unavailable => StackEngine.Current is { CanCluster: true } ? null : HowToGetOne;

    /// <summary>An append-only file synced on every write, so a killed and restarted shard comes back with its documents and indexes.</summary>
    public bool Persistent { get; init; }

    /// <summary>Redis' default (yes): with a shard down the whole cluster refuses commands once the shard is marked failed.</summary>
    public bool RequireFullCoverage { get; init; } = true;

    public string Host => "127.0.0.1";

    public string? Password => null;

    /// <summary>The first shard's port: the one address Scout is given (any node's would do).</summary>
    public int Port => _shards[0].Port;

    public IReadOnlyList<int> Ports => _shards.Select(s => s.Port).ToList();

    /// <summary>The index of the shard that owns a key's slot.</summary>
    public int ShardOf(RedisKey key)
    {
        var owner = (IPEndPoint)Connection.GetServer(Host, Port).ClusterConfiguration!.GetBySlot(Connection.HashSlot(key))!.EndPoint!;
        return _shards.FindIndex(s => s.Port == owner.Port);
    }

    /// <summary>A cluster-aware connection (discovered from the first node) for seeding and checks.</summary>
    public ConnectionMultiplexer Connection { get; private set; } = null!;

    public IDatabase Database => Connection.GetDatabase();

    public async Task InitializeAsync()
    {
        if (Unavailable is not null) return;
        _engine = StackEngine.Current!;
        _directory = Directory.CreateTempSubdirectory("scout-redis-cluster-").FullName;
        try
        {
            for (var i = 0; i < ShardCount; i++)
            {
                var shard = new Shard(FreePort.Next(), FreePort.Next(), Path.Combine(_directory, i.ToString(CultureInfo.InvariantCulture)));
                Directory.CreateDirectory(shard.Directory);
                _shards.Add(shard);
                await StartProcessAsync(shard);
            }
            // The slots in three equal ranges, as redis-cli --cluster create assigns them, then every node meets the first.
            for (var i = 0; i < ShardCount; i++)
            {
                var first = 16384 * i / ShardCount;
                var last = 16384 * (i + 1) / ShardCount - 1;
                await Resp.SendAsync(_shards[i].Port, "CLUSTER", "ADDSLOTSRANGE", first.ToString(CultureInfo.InvariantCulture), last.ToString(CultureInfo.InvariantCulture));
            }
            for (var i = 1; i < ShardCount; i++)
                await Resp.SendAsync(_shards[i].Port, "CLUSTER", "MEET", Host, _shards[0].Port.ToString(CultureInfo.InvariantCulture), _shards[0].BusPort.ToString(CultureInfo.InvariantCulture));
            await WaitClusterOkAsync();
            Connection = await ConnectionMultiplexer.ConnectAsync($"{Host}:{Port},abortConnect=false");
        }
        catch
        {
            await StopAllAsync();
            throw;
        }
    }

    /// <summary>Kills one shard's process (SIGKILL, as a crash would); its folder stays for <see cref="RestartShardAsync"/>.</summary>
    public Task KillShardAsync(int index) => ServerProcess.StopAsync(_shards[index].Process);

    /// <summary>Starts the shard again on its ports and folder (it rejoins with its nodes.conf), then waits for the cluster.</summary>
    public async Task RestartShardAsync(int index)
    {
        await StartProcessAsync(_shards[index]);
        await WaitClusterOkAsync();
    }

    /// <summary>Every node reports cluster_state:ok and knows all shards, then the coordinator gets its second to see them.</summary>
    private async Task WaitClusterOkAsync()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        foreach (var shard in _shards)
        {
            while (true)
            {
                string info;
                try
                {
                    info = await Resp.SendAsync(shard.Port, "CLUSTER", "INFO");
                }
                catch (InvalidOperationException loading) when (loading.Message.Contains("LOADING", StringComparison.Ordinal))
                {
                    // A restarted shard answers -LOADING while it reads its data back: not ready yet, ask again.
                    info = loading.Message;
                }
                if (info.Contains("cluster_state:ok", StringComparison.Ordinal)
                    && info.Contains($"cluster_known_nodes:{ShardCount}", StringComparison.Ordinal)) break;
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"the Redis Cluster did not reach cluster_state:ok within {StartTimeout.TotalSeconds:F0} s (shard {shard.Port}: {info.ReplaceLineEndings(" ")})");
                await Task.Delay(100);
            }
        }
        await Task.Delay(CoordinatorSettle);
    }

    private async Task StartProcessAsync(Shard shard)
    {
        string[] arguments =
        [
            "--port", shard.Port.ToString(CultureInfo.InvariantCulture), "--bind", Host, "--dir", shard.Directory,
            "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-port", shard.BusPort.ToString(CultureInfo.InvariantCulture),
            "--cluster-node-timeout", "3000", "--cluster-require-full-coverage", RequireFullCoverage ? "yes" : "no", "--save", "",
            "--appendonly", Persistent ? "yes" : "no", "--appendfsync", "always",
            .. _engine.ModuleArguments(cluster: true),
        ];
        shard.Process = await ServerProcess.StartAsync(_engine.Server, arguments, shard.Port, TimeSpan.FromSeconds(10));
    }

    private async Task StopAllAsync()
    {
        foreach (var shard in _shards) await ServerProcess.StopAsync(shard.Process);
        if (_directory is not null) try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    public async Task DisposeAsync()
    {
        if (Connection is not null) await Connection.DisposeAsync();
        await StopAllAsync();
    }

    private sealed class Shard(int port, int busPort, string directory)
    {
        public int Port { get; } = port;
        public int BusPort { get; } = busPort;
        public string Directory { get; } = directory;
        public Process? Process { get; set; }
    }

    /// <summary>
    /// One command on a fresh loopback connection, the reply as text (simple, bulk or integer; an error throws).
    /// Cluster set-up talks to each node by itself, which a cluster-aware client would not.
    /// </summary>
    private static class Resp
    {
        public static async Task<string> SendAsync(int port, params string[] args)
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            var stream = client.GetStream();
            var request = new StringBuilder($"*{args.Length}\r\n");
            foreach (var arg in args) request.Append($"${Encoding.UTF8.GetByteCount(arg)}\r\n{arg}\r\n");
            await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), timeout.Token);
            var reader = new StreamReader(stream, Encoding.UTF8);
            var line = await reader.ReadLineAsync(timeout.Token) ?? throw new IOException($"127.0.0.1:{port} closed the connection");
            switch (line[0])
            {
                case '+' or ':':
                    return line[1..];
                case '-':
                    throw new InvalidOperationException($"127.0.0.1:{port} {string.Join(' ', args)}: {line[1..]}");
                case '$':
                    var length = int.Parse(line[1..], CultureInfo.InvariantCulture);
                    if (length < 0) return "";
                    var buffer = new char[length];
                    var read = 0;
                    // Cluster replies are ASCII: characters equal bytes.
                    while (read < length) read += await reader.ReadAsync(buffer.AsMemory(read, length - read), timeout.Token);
                    return new string(buffer);
                default:
                    throw new InvalidOperationException($"127.0.0.1:{port} answered an unexpected reply: {line}");
            }
        }
    }
}

/// <summary>
/// A cluster of its own for a test class that kills and restarts shards: append-only files keep each shard's data,
/// and the live shards keep serving their slots while one is down (cluster-require-full-coverage no), so a client
/// that ignored the missing shard could still write its partial counts.
/// </summary>
public sealed class ShardFaultClusterFixture : RedisClusterFixture
{
    public ShardFaultClusterFixture()
    {
        Persistent = true;
        RequireFullCoverage = false;
    }
}

/// <summary>Shares one three-shard cluster between the cluster test classes that do not kill shards.</summary>
[CollectionDefinition(Name)]
public sealed class RedisClusterCollection : ICollectionFixture<RedisClusterFixture>
{
    public const string Name = "redis-cluster";
}
