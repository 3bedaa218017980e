using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Scout.Analytics;
using Scout.Configuration;
using Scout.Observability;
using Scout.Redis;
using Scout.Retention;
using StackExchange.Redis;

namespace Scout.Bench;

/// <summary>
/// Retention on a plain redis-server: N expired and N live hashes. Scout's way is the real RetentionPruner
/// (batched UNLINK per page of 1,000) over a key source that reads the expired keys a page per round trip,
/// as a cursor does; the Go service's way pages 500 keys with an offset and sends one DEL per key.
/// RediSearch cannot run here, so both read their pages from a Redis list of the expired keys.
/// </summary>
public static class RetentionBench
{
    private const string ExpiredList = "bench:expired";
    private static readonly long ExpiredAt = DateTimeOffset.UtcNow.AddHours(-72).ToUnixTimeSeconds();

    public static async Task<int> RunAsync(int redisPort, int[] sizes)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redisPort},allowAdmin=true");
        var server = redis.GetServer("127.0.0.1", redisPort);
        var db = redis.GetDatabase();
        var results = new Dictionary<(string Way, int N), (double Seconds, long Calls)>();
        // Warm-up of both ways (JIT, connection pools), not reported.
        foreach (var way in new[] { "Scout", "Go" }) await MeasureAsync(server, db, redisPort, way, 2000);
        foreach (var n in sizes)
        {
            foreach (var way in new[] { "Scout", "Go" })
            {
                // Fastest of a few runs: this machine is shared, and noise only ever adds time. Scout's runs take
                // tens of milliseconds, where one scheduling stall doubles a figure: more of them for the growth ratios.
                var runs = new List<(double Seconds, long Calls)>();
                var repeats = way == "Scout" ? (n >= 100_000 ? 3 : 7) : (n >= 100_000 ? 2 : 3);
                for (var rep = 0; rep < repeats; rep++) runs.Add(await MeasureAsync(server, db, redisPort, way, n));
                var (seconds, calls) = runs.MinBy(r => r.Seconds);
                results[(way, n)] = (seconds, calls);
                Table.Progress($"retention {way} N={n}: {string.Join(", ", runs.Select(r => r.Seconds.ToString("F3", CultureInfo.InvariantCulture)))} s, {calls} commands");
                Table.Row("Retention", $"{way} way, N={n:N0} expired + {n:N0} live: deletes/s",
                    $"{Table.F(n / seconds, "N0")} ({Table.F(seconds, "F3")} s)", "");
                Table.Row("Retention", $"{way} way, N={n:N0}: round trips per 1,000 deleted", Table.F(calls * 1000.0 / n, "F1"),
                    way == "Scout" ? "≈ 2 (page read + UNLINK)" : "");
            }
            var ratio = results[("Go", n)].Seconds / results[("Scout", n)].Seconds;
            Table.Row("Retention", $"N={n:N0}: Scout deletes/s ÷ Go deletes/s", Table.F(ratio, "F1") + "×", "≥ 10×");
        }
        for (var i = 1; i < sizes.Length; i++)
        {
            var growth = results[("Scout", sizes[i])].Seconds / results[("Scout", sizes[i - 1])].Seconds;
            var factor = (double)sizes[i] / sizes[i - 1];
            // The Go way's growth in the same run tells redis-server's own cost at the larger key count from Scout's.
            var goGrowth = results[("Go", sizes[i])].Seconds / results[("Go", sizes[i - 1])].Seconds;
            Table.Row("Retention", $"Scout way: time ratio N={sizes[i]:N0} vs N={sizes[i - 1]:N0} (N ×{factor:F0}); Go way in the same run",
                $"{Table.F(growth, "F1")}×; Go {Table.F(goGrowth, "F1")}×", $"≤ {factor:F0}× (linear), or no more than the Go way's growth");
        }
        return 0;
    }

    private static async Task<(double Seconds, long Calls)> MeasureAsync(IServer server, IDatabase db, int redisPort, string way, int n)
    {
        await server.FlushAllDatabasesAsync();
        await SeedAsync(db, n);
        // Scout's connection is opened (and its handshake commands sent) before the clock starts, as in the service.
        await using var scout = way == "Scout" ? await ScoutPruner.CreateAsync(redisPort, db) : null;
        var watch = new Stopwatch();
        long deleted = 0;
        var calls = await RedisCost.CallsDuringAsync(server, async () =>
        {
            watch.Start();
            deleted = way == "Scout" ? (await scout!.Pruner.RunAsync(CancellationToken.None)).Deleted : await PruneGoWayAsync(db);
            watch.Stop();
        });
        var left = await CountAsync(server, "message:*");
        if (deleted != n || left != n) throw new InvalidOperationException($"{way} N={n}: deleted {deleted}, {left} keys left (expected {n} live)");
        return (watch.Elapsed.TotalSeconds, calls);
    }

    /// <summary>N expired and N live messages, as the hash producer stores them, written with pipelining.</summary>
    private static async Task SeedAsync(IDatabase db, int n)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        const int batch = 5000;
        for (var start = 0; start < 2 * n; start += batch)
        {
            var writes = new List<Task>(batch + 1);
            var expiredKeys = new List<RedisValue>();
            for (var i = start; i < Math.Min(2 * n, start + batch); i++)
            {
                var expired = i < n;
                var key = $"message:{i}";
                writes.Add(db.HashSetAsync(key,
                [
                    new("severity", i % 5 == 0 ? "error" : "info"), new("system", $"system-{i % 50}"),
                    new("timestamp", (expired ? ExpiredAt : now).ToString(CultureInfo.InvariantCulture)), new("title", "bench"),
                ], CommandFlags.FireAndForget));
                if (expired) expiredKeys.Add(key);
            }
            if (expiredKeys.Count > 0) writes.Add(db.ListRightPushAsync(ExpiredList, [.. expiredKeys]));
            await Task.WhenAll(writes);
        }
    }

    /// <summary>The real RetentionPruner on Scout's own RedisConnection, with the list standing in for the index.</summary>
    private sealed class ScoutPruner(RedisConnection connection, RetentionPruner pruner) : IAsyncDisposable
    {
        public RetentionPruner Pruner => pruner;

        public static async Task<ScoutPruner> CreateAsync(int redisPort, IDatabase db)
        {
            var options = ScoutSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["REDIS_ADDR"] = "127.0.0.1", ["REDIS_PORT"] = redisPort.ToString(CultureInfo.InvariantCulture),
                ["SCOUT_RETENTION_TTL"] = "48h", ["SCOUT_RETENTION_MAX_DELETES"] = "1000000",
            }).Build());
            var connection = new RedisConnection(Options.Create(options));
            await connection.Database.PingAsync();
            return new ScoutPruner(connection, new RetentionPruner(new ListKeySource(db), connection, new FixedMonitor(options),
                TimeProvider.System, new ScoutMetrics(), NullLogger<RetentionPruner>.Instance));
        }

        public ValueTask DisposeAsync() => connection.DisposeAsync();
    }

    /// <summary>The Go service: pages of 500 by offset, parse each timestamp, one DEL round trip per expired key.</summary>
    private static async Task<long> PruneGoWayAsync(IDatabase db)
    {
        var cutoff = DateTimeOffset.UtcNow.AddHours(-48).ToUnixTimeSeconds();
        long deleted = 0;
        for (var offset = 0L; ; offset += 500)
        {
            var page = await db.ListRangeAsync(ExpiredList, offset, offset + 499);
            if (page.Length == 0) return deleted;
            foreach (var key in page)
            {
                if (ExpiredAt < cutoff && await db.KeyDeleteAsync((string)key!)) deleted++;
            }
        }
    }

    private static async Task<long> CountAsync(IServer server, string pattern)
    {
        long count = 0;
        await foreach (var _ in server.KeysAsync(pattern: pattern, pageSize: 10_000)) count++;
        return count;
    }

    /// <summary>Stands in for the FT.AGGREGATE cursor: each page of 1,000 expired keys costs one round trip.</summary>
    private sealed class ListKeySource(IDatabase db) : ISearchIndex
    {
        public Task<IndexDefinition> EnsureIndexAsync(CancellationToken cancellationToken) =>
            Task.FromResult(new IndexDefinition("messages", IndexKeyType.Hash, TimestampKind.Numeric));

        public Task<IReadOnlyList<WindowedCount>> CountByWindowAsync(IndexDefinition index, WindowPlan plan, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public async IAsyncEnumerable<IReadOnlyList<ExpiryCandidate>> FindExpiredAsync(
            IndexDefinition index, DateTimeOffset cutoff, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var timestamp = ExpiredAt.ToString(CultureInfo.InvariantCulture);
            while (true)
            {
                var page = await db.ListLeftPopAsync(ExpiredList, RediSearchIndex.ExpiryPageSize);
                if (page is not { Length: > 0 }) yield break;
                yield return page.Select(k => new ExpiryCandidate((string)k!, timestamp)).ToList();
            }
        }
    }
}
