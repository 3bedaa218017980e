using System.Net;
using Microsoft.Extensions.Options;
using Scout.Configuration;
using StackExchange.Redis;

namespace Scout.Redis;

/// <summary>
/// One shared multiplexer, connected lazily in the background so a Redis that is down never blocks
/// start-up; commands fail fast while disconnected and the multiplexer keeps reconnecting.
/// </summary>
/// <remarks>
/// A sharded Redis (Redis Cluster) needs no setting: REDIS_ADDR/REDIS_PORT name any one node, and
/// StackExchange.Redis asks it for the cluster's nodes (CLUSTER NODES) on connect, then sends each key's
/// command to the primary that owns its slot and follows MOVED/ASK redirections.
/// </remarks>
public sealed class RedisConnection : IAsyncDisposable
{
    /// <summary>How long one shard may take to answer the shard check before the cluster counts as unavailable.</summary>
    public static readonly TimeSpan ShardCheckTimeout = TimeSpan.FromSeconds(5);

    private readonly Lazy<ConnectionMultiplexer> _multiplexer;

    public RedisConnection(IOptions<ScoutOptions> options)
    {
        var o = options.Value;
        var config = new ConfigurationOptions
        {
            EndPoints = { { o.RedisAddr, o.RedisPort } },
            Password = string.IsNullOrEmpty(o.RedisPassword) ? null : o.RedisPassword,
            AbortOnConnectFail = false,
            BacklogPolicy = BacklogPolicy.FailFast,
            ConnectTimeout = 3000,
            // FT.AGGREGATE may take SCOUT_QUERY_TIMEOUT on the server: the client must not give up first.
            AsyncTimeout = (int)Math.Max(5000, (o.QueryTimeout + TimeSpan.FromSeconds(5)).TotalMilliseconds),
            // RESP3 lets newer RediSearch report timeouts as warnings; older servers fall back to RESP2.
            Protocol = RedisProtocol.Resp3,
            ClientName = "homerun2-scout",
        };
        _multiplexer = new Lazy<ConnectionMultiplexer>(() => ConnectionMultiplexer.Connect(config));
    }

    public IDatabase Database => _multiplexer.Value.GetDatabase();

    public IConnectionMultiplexer Multiplexer => _multiplexer.Value;

    public bool IsConnected => _multiplexer.IsValueCreated && _multiplexer.Value.IsConnected;

    /// <summary>True when the server is a Redis Cluster (discovered from the node's reply, not configured).</summary>
    public bool IsCluster => _multiplexer.Value.GetServers().Any(s => s.ServerType == ServerType.Cluster);

    /// <summary>
    /// On a cluster, one connected primary for a query whose state lives on the node that runs it (an FT cursor
    /// is only known to the node that opened it); null on a single node, where every command goes to it anyway.
    /// </summary>
    public IServer? PinnedServer()
    {
        var servers = _multiplexer.Value.GetServers();
        if (!servers.Any(s => s.ServerType == ServerType.Cluster)) return null;
        var primaries = servers.Where(s => s.IsConnected && !s.IsReplica).ToArray();
        if (primaries.Length == 0)
            throw new ShardUnavailableException("no primary of the Redis Cluster is connected");
        // Spread the coordinator's work over the primaries across cycles and replicas.
        return primaries[Random.Shared.Next(primaries.Length)];
    }

    /// <summary>
    /// On a cluster, throws <see cref="ShardUnavailableException"/> unless the cluster reports cluster_state:ok and
    /// every primary that owns slots answers PING. The RediSearch coordinator answers FT.AGGREGATE and FT.INFO with
    /// whatever the reachable shards hold when one is down (measured: no error, no warning), so this is what tells
    /// a complete answer from a partial one. Nothing to check on a single node.
    /// </summary>
    public async Task EnsureEveryShardAsync()
    {
        var multiplexer = _multiplexer.Value;
        var servers = multiplexer.GetServers();
        if (!servers.Any(s => s.ServerType == ServerType.Cluster)) return;
        var any = servers.FirstOrDefault(s => s.IsConnected && !s.IsReplica)
            ?? throw new ShardUnavailableException("no primary of the Redis Cluster is connected");
        try
        {
            var info = (string?)await any.ExecuteAsync("CLUSTER", "INFO").WaitAsync(ShardCheckTimeout) ?? "";
            if (!info.Contains("cluster_state:ok", StringComparison.Ordinal))
                throw new ShardUnavailableException($"the Redis Cluster reports {StateOf(info)} (asked {any.EndPoint})");
            var nodes = await any.ClusterNodesAsync().WaitAsync(ShardCheckTimeout)
                ?? throw new ShardUnavailableException($"{any.EndPoint} did not list the cluster's nodes");
            var owners = nodes.Nodes.Where(n => !n.IsReplica && n.Slots.Count > 0).ToList();
            if (owners.Count == 0) throw new ShardUnavailableException("no primary of the Redis Cluster owns slots");
            foreach (var owner in owners)
            {
                if (owner.IsFail || owner.IsPossiblyFail || !owner.IsConnected)
                    throw new ShardUnavailableException($"shard {owner.EndPoint} is marked {(owner.IsFail ? "fail" : owner.IsPossiblyFail ? "pfail" : "disconnected")} by {any.EndPoint}");
                await multiplexer.GetServer(owner.EndPoint).PingAsync().WaitAsync(ShardCheckTimeout);
            }
        }
        catch (Exception error) when (error is RedisException or TimeoutException)
        {
            throw new ShardUnavailableException($"a shard of the Redis Cluster does not answer: {error.Message}", error);
        }
    }

    private static string StateOf(string clusterInfo) =>
        clusterInfo.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("cluster_state:", StringComparison.Ordinal)) ?? "no cluster_state";

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer.IsValueCreated) await _multiplexer.Value.CloseAsync();
    }
}

/// <summary>A shard of the Redis Cluster is down or unreachable: an FT.* answer now would be partial.</summary>
public sealed class ShardUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
