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
        _trust = new RedisTlsTrust(options);
        var config = Configure(options.Value, _trust);
        _multiplexer = new Lazy<ConnectionMultiplexer>(() => Watch(ConnectionMultiplexer.Connect(config)));
    }

    private readonly RedisTlsTrust _trust;
    private volatile string? _refusal;

    /// <summary>
    /// Why Redis last refused a connection: its certificate, or the login. The client's own error for a later attempt
    /// may only say "cancelled"; this keeps the cause an operator can act on until a connection succeeds.
    /// </summary>
    public string? Refusal => _trust.Rejection ?? _refusal;

    private ConnectionMultiplexer Watch(ConnectionMultiplexer multiplexer)
    {
        multiplexer.ConnectionFailed += (_, e) =>
        {
            if (RedisFailure.Refusal(e.Exception) is { } refusal) _refusal = refusal;
        };
        multiplexer.ConnectionRestored += (_, _) => _refusal = null;
        return multiplexer;
    }

    /// <summary>The client's settings: address, ACL user, TLS, and only the commands the documented ACL grants.</summary>
    public static ConfigurationOptions Configure(ScoutOptions o, RedisTlsTrust trust)
    {
        var config = new ConfigurationOptions
        {
            EndPoints = { { o.RedisAddr, o.RedisPort } },
            User = string.IsNullOrEmpty(o.RedisUsername) ? null : o.RedisUsername,
            Password = string.IsNullOrEmpty(o.RedisPassword) ? null : o.RedisPassword,
            AbortOnConnectFail = false,
            BacklogPolicy = BacklogPolicy.FailFast,
            ConnectTimeout = 3000,
            // FT.AGGREGATE may take SCOUT_QUERY_TIMEOUT on the server: the client must not give up first.
            AsyncTimeout = (int)Math.Max(5000, (o.QueryTimeout + TimeSpan.FromSeconds(5)).TotalMilliseconds),
            // RESP3 lets newer RediSearch report timeouts as warnings; older servers fall back to RESP2.
            Protocol = RedisProtocol.Resp3,
            ClientName = "homerun2-scout",
            // Scout never fails over replicas by itself: no pub/sub channel and no tie-breaker key to read,
            // so its ACL user needs no channel and no key outside what it works on.
            ConfigurationChannel = "",
            TieBreaker = "",
            // CLIENT SETINFO exists only from Redis 7.2: the ACL stays one line for 7.0 and later.
            SetClientLibrary = false,
            // The client would read INFO and CONFIG GET on connect (both @dangerous); RESP3's HELLO already tells it
            // the server's version and role, and Scout never sends either.
            CommandMap = CommandMap.Create(["INFO", "CONFIG"], available: false),
        };
        if (o.RedisTls)
        {
            config.Ssl = true;
            if (o.RedisTlsServerName.Length > 0) config.SslHost = o.RedisTlsServerName;
            config.CertificateValidation += trust.Validate;
            if (o.RedisTlsCertFile.Length > 0) config.SetUserPemCertificate(o.RedisTlsCertFile, o.RedisTlsKeyFile);
            else config.CertificateSelection += trust.SelectNone;
        }
        return config;
    }

    public IDatabase Database => _multiplexer.Value.GetDatabase();

    public IConnectionMultiplexer Multiplexer => _multiplexer.Value;

    /// <summary>True when the server is a Redis Cluster (discovered from the node's reply, not configured).</summary>
    public bool IsCluster => _multiplexer.Value.GetServers().Any(s => s.ServerType == ServerType.Cluster);

    /// <summary>
    /// <paramref name="items"/> in chunks of at most <paramref name="size"/> for multi-key commands: on a Redis Cluster,
    /// which refuses a multi-key command across slots (CROSSSLOT), each chunk's keys share one slot.
    /// </summary>
    public List<T[]> MultiKeyChunks<T>(IEnumerable<T> items, Func<T, RedisKey> key, int size)
    {
        var multiplexer = _multiplexer.Value;
        var groups = IsCluster ? items.GroupBy(i => multiplexer.HashSlot(key(i))).Select(g => g.AsEnumerable()) : [items];
        return [.. groups.SelectMany(g => g.Chunk(size))];
    }

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
    /// On a cluster, throws <see cref="ShardUnavailableException"/> unless the primaries that own slots cover all
    /// 16384 slots and every one of them answers PING now. The RediSearch coordinator answers FT.AGGREGATE and
    /// FT.INFO with whatever the reachable shards hold when one is down (measured: no error, no warning, even after
    /// the cluster reports cluster_state:fail), so this is what tells a complete answer from a partial one. The
    /// primaries come from the client's view of the cluster (CLUSTER NODES as StackExchange.Redis last read it),
    /// re-read when it does not pass: CLUSTER itself is an admin command the client refuses to send without
    /// allowAdmin, which Scout does not need otherwise. Nothing to check on a single node.
    /// </summary>
    public async Task EnsureEveryShardAsync()
    {
        var multiplexer = _multiplexer.Value;
        if (!multiplexer.GetServers().Any(s => s.ServerType == ServerType.Cluster)) return;
        try
        {
            await CheckEveryShardAsync(multiplexer);
        }
        catch (ShardUnavailableException) when (TryClaimRefresh())
        {
            // The client's view may be older than the cluster: it drops a failed node's slots and keeps them dropped
            // after the node returns (measured) until it re-reads the topology. Re-read it (at most once a second)
            // and decide on the fresh view.
            await multiplexer.ConfigureAsync().WaitAsync(ShardCheckTimeout);
            await CheckEveryShardAsync(multiplexer);
        }
    }

    private long _lastRefresh;

    private bool TryClaimRefresh()
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastRefresh);
        return now - last >= 1000 && Interlocked.CompareExchange(ref _lastRefresh, now, last) == last;
    }

    private static async Task CheckEveryShardAsync(ConnectionMultiplexer multiplexer)
    {
        var servers = multiplexer.GetServers();
        var configuration = servers.Where(s => s.IsConnected).Select(s => s.ClusterConfiguration).FirstOrDefault(c => c is not null)
            ?? throw new ShardUnavailableException("no node of the Redis Cluster is connected");
        var owners = configuration.Nodes.Where(n => !n.IsReplica && n.Slots.Count > 0 && n.EndPoint is not null).ToList();
        var covered = owners.Sum(n => n.Slots.Sum(r => r.To - r.From + 1));
        if (covered < 16384) throw new ShardUnavailableException($"the reachable primaries own {covered} of 16384 slots");
        try
        {
            await Task.WhenAll(owners.Select(owner => multiplexer.GetServer(owner.EndPoint!).PingAsync().WaitAsync(ShardCheckTimeout)));
        }
        catch (Exception error) when (error is RedisException or TimeoutException)
        {
            throw new ShardUnavailableException($"a shard of the Redis Cluster does not answer: {error.Message}", error);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer.IsValueCreated) await _multiplexer.Value.CloseAsync();
    }
}

/// <summary>A shard of the Redis Cluster is down or unreachable: an FT.* answer now would be partial.</summary>
public sealed class ShardUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
