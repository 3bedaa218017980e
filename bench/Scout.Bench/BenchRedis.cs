using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Scout.Analytics;
using Scout.Configuration;
using Scout.Counting;
using Scout.Observability;
using Scout.Redis;
using Scout.Retention;
using Scout.Search;
using StackExchange.Redis;

namespace Scout.Bench;

/// <summary>
/// The live Redis Stack a counting bench runs on: an admin connection, a pinger's, a producer's and Scout's own, an
/// index and stream named for this run, and Scout's components composed as the app composes them.
/// </summary>
public sealed class BenchRedis : IAsyncDisposable
{
    private readonly ConfigurationOptions _endpoint;
    private readonly ConnectionMultiplexer _admin, _pinger, _producer;
    private readonly RedisConnection _scout;
    private readonly RediSearchIndex _index;
    private readonly ScoutMetrics _metrics = new();

    public string Run { get; } = "scoutinc" + Guid.NewGuid().ToString("N")[..8];
    public IDatabase Db => _admin.GetDatabase();
    public IDatabase Producer => _producer.GetDatabase();
    public IServer Server => _admin.GetServers().First(s => !s.IsReplica);
    public CountStore Counts { get; }

    private BenchRedis(ConfigurationOptions endpoint, ConnectionMultiplexer admin, ConnectionMultiplexer pinger, ConnectionMultiplexer producer)
    {
        (_endpoint, _admin, _pinger, _producer) = (endpoint, admin, pinger, producer);
        var options = Options();
        _scout = new RedisConnection(Microsoft.Extensions.Options.Options.Create(options));
        _index = new RediSearchIndex(_scout, new FixedMonitor(options), NullLogger<RediSearchIndex>.Instance);
        Counts = new CountStore(_scout);
    }

    public static async Task<BenchRedis> ConnectAsync(string target)
    {
        var endpoint = ConfigurationOptions.Parse(target);
        endpoint.AllowAdmin = true;
        endpoint.AsyncTimeout = 300_000;
        var producer = endpoint.Clone();
        producer.ClientName = "scout-bench-producer";
        return new BenchRedis(endpoint, await ConnectionMultiplexer.ConnectAsync(endpoint),
            await ConnectionMultiplexer.ConnectAsync(endpoint.Clone()), await ConnectionMultiplexer.ConnectAsync(producer));
    }

    /// <summary>Scout's options for this run's index and stream, with <paramref name="extra"/> settings.</summary>
    public ScoutOptions Options(params (string Name, string Value)[] extra)
    {
        var (host, port) = _endpoint.EndPoints[0] switch
        {
            System.Net.DnsEndPoint dns => (dns.Host, dns.Port),
            System.Net.IPEndPoint ip => (ip.Address.ToString(), ip.Port),
            var other => throw new InvalidOperationException($"unsupported endpoint {other}"),
        };
        return ScoutEnvironment.Load(new ConfigurationBuilder().AddInMemoryCollection(
            new Dictionary<string, string?>
            {
                ["REDIS_ADDR"] = host, ["REDIS_PORT"] = port.ToString(CultureInfo.InvariantCulture), ["REDIS_PASSWORD"] = _endpoint.Password,
                ["REDISEARCH_INDEX"] = Run, ["SCOUT_STREAM"] = Run + "_stream", ["SCOUT_QUERY_TIMEOUT"] = "300s",
            }.Concat(extra.Select(e => new KeyValuePair<string, string?>(e.Name, e.Value)))).Build());
    }

    /// <summary>Scout's cycle and retention with these settings, composed as the app composes them (one set per process).</summary>
    public ScoutServices Services(params (string Name, string Value)[] extra) => new(new ServiceCollection()
        .AddLogging()
        .AddSingleton<ISearchIndex>(_index)
        .AddSingleton(_scout)
        .AddSingleton<IOptionsMonitor<ScoutOptions>>(new FixedMonitor(Options(extra)))
        .AddSingleton(TimeProvider.System)
        .AddSingleton(_metrics)
        .AddSingleton<ISnapshotStore>(new RedisSnapshotStore(_scout))
        .AddCounting()
        .AddSingleton<AnalyticsAggregator>()
        .AddSingleton<RetentionPruner>()
        .BuildServiceProvider());

    public Task<Cost> MeasureAsync(Func<Task> work, string? client = "homerun2-scout") => RedisMeter.MeasureAsync(Server, _pinger, work, client);

    /// <summary>The memory of Scout's counts (MEMORY USAGE of every {scout}:count: key, exact).</summary>
    public async Task<long> ScoutMemoryAsync()
    {
        long total = 0;
        await foreach (var key in Server.KeysAsync(pattern: ScoutKeys.Prefix + "count:*", pageSize: 1000))
            total += (long)(await Db.ExecuteAsync("MEMORY", "USAGE", key.ToString(), "SAMPLES", "0"));
        return total;
    }

    /// <summary>Removes every key of Scout's: the next cycle starts as a first start.</summary>
    public async Task ResetScoutAsync()
    {
        var keys = new List<RedisKey>();
        await foreach (var key in Server.KeysAsync(pattern: ScoutKeys.Prefix + "*", pageSize: 1000)) keys.Add(key);
        foreach (var chunk in keys.Chunk(500)) await Db.KeyDeleteAsync(chunk);
    }

    public async ValueTask DisposeAsync()
    {
        await _scout.DisposeAsync();
        await _producer.DisposeAsync();
        await _pinger.DisposeAsync();
        await _admin.DisposeAsync();
    }
}

/// <summary>One composition of Scout's components: its aggregation cycle and its retention run.</summary>
public sealed class ScoutServices(ServiceProvider services) : IDisposable
{
    public Task<IReadOnlyList<AnalyticsSnapshot>> Aggregate() => services.GetRequiredService<AnalyticsAggregator>().RunAsync(CancellationToken.None);

    /// <summary>A retention run; the documents it deleted.</summary>
    public async Task<long> Prune() => (await services.GetRequiredService<RetentionPruner>().RunAsync(CancellationToken.None)).Deleted;

    public void Dispose() => services.Dispose();
}
