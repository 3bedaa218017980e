using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Scout.Analytics;
using Scout.Configuration;
using Scout.Counting;
using Scout.Observability;
using Scout.Redis;
using Scout.Retention;
using Scout.Search;
using Scout.Tests.Infrastructure;
using StackExchange.Redis;

namespace Scout.Tests.Contract;

/// <summary>
/// Scout's real counting, aggregation and retention over a real Redis Stack, on a clock the test moves. Starts from no
/// counts (Scout's {scout}:count: keys of earlier tests are removed), as a first deployment would.
/// </summary>
public sealed class ScoutPipeline
{
    public ScoutPipeline(ISearchIndex adapter, RedisConnection connection, ScoutOptions options, FakeTimeProvider time)
    {
        Options = options;
        Time = time;
        Connection = connection;
        Metrics = new ScoutMetrics();
        // Composed as the app composes them, with the test's index adapter, clock and options.
        _services = new ServiceCollection()
            .AddLogging(b => b.AddProvider(Logs))
            .AddSingleton(adapter)
            .AddSingleton(connection)
            .AddSingleton<IOptionsMonitor<ScoutOptions>>(new FixedOptions(options))
            .AddSingleton<TimeProvider>(time)
            .AddSingleton(Metrics)
            .AddSingleton<ISnapshotStore>(new RedisSnapshotStore(connection))
            .AddCounting()
            .AddSingleton<AnalyticsAggregator>()
            .AddSingleton<RetentionPruner>()
            .BuildServiceProvider();
    }

    private readonly ServiceProvider _services;

    /// <summary>What the pipeline logged, for a test to read.</summary>
    public CapturedLogs Logs { get; } = new();

    public ScoutOptions Options { get; }
    public FakeTimeProvider Time { get; }
    public RedisConnection Connection { get; }
    public ScoutMetrics Metrics { get; }
    public CountStore Counts => _services.GetRequiredService<CountStore>();
    public StreamFollower Stream => _services.GetRequiredService<StreamFollower>();
    public MessageCounter Counter => _services.GetRequiredService<MessageCounter>();
    public AnalyticsAggregator Aggregator => _services.GetRequiredService<AnalyticsAggregator>();
    public RetentionPruner Pruner => _services.GetRequiredService<RetentionPruner>();

    /// <summary>Removes every counting key (on every primary of a cluster: they share one slot, so one node holds them).</summary>
    public static async Task ResetCountsAsync(IConnectionMultiplexer connection)
    {
        foreach (var server in connection.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            var keys = new List<RedisKey>();
            await foreach (var key in server.KeysAsync(pattern: "{scout}:*", pageSize: 1000)) keys.Add(key);
            foreach (var chunk in keys.Chunk(500)) await connection.GetDatabase().KeyDeleteAsync(chunk);
        }
    }

    public async Task<Dictionary<string, AnalyticsSnapshot>> CycleAsync() =>
        (await Aggregator.RunAsync(CancellationToken.None)).ToDictionary(s => s.Window);
}
