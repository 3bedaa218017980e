using Microsoft.Extensions.Options;
using Scout.Configuration;
using StackExchange.Redis;

namespace Scout.Redis;

/// <summary>
/// One shared multiplexer, connected lazily in the background so a Redis that is down never blocks
/// start-up; commands fail fast while disconnected and the multiplexer keeps reconnecting.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
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

    public bool IsConnected => _multiplexer.IsValueCreated && _multiplexer.Value.IsConnected;

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer.IsValueCreated) await _multiplexer.Value.CloseAsync();
    }
}
