using Microsoft.Extensions.Logging.Abstractions;
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
        var monitor = new FixedOptions(options);
        Metrics = new ScoutMetrics();
        Counts = new CountStore(connection);
        Stream = new StreamFollower(connection, monitor);
        Counter = new MessageCounter(adapter, Counts, Stream, monitor, time, Metrics, NullLogger<MessageCounter>.Instance);
        Aggregator = new AnalyticsAggregator(adapter, Counter, Counts, new RedisSnapshotStore(connection), monitor, Metrics,
            NullLogger<AnalyticsAggregator>.Instance);
        Pruner = new RetentionPruner(adapter, Counts, connection, monitor, time, Metrics, NullLogger<RetentionPruner>.Instance);
    }

    public ScoutOptions Options { get; }
    public FakeTimeProvider Time { get; }
    public RedisConnection Connection { get; }
    public ScoutMetrics Metrics { get; }
    public CountStore Counts { get; }
    public StreamFollower Stream { get; }
    public MessageCounter Counter { get; }
    public AnalyticsAggregator Aggregator { get; }
    public RetentionPruner Pruner { get; }

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
