using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using NRedisStack.RedisStackCommands;
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
/// Scout's counting on a live Redis Stack it may own (it removes Scout's {scout}:count: keys first), at each size in
/// one run: the first start over existing documents (a full pass), cycles that follow 1,000 new messages each,
/// retention with nothing and with 100,000 to delete, a reconciliation; side by side with the Go service's five queries. For each: Redis time (INFO commandstats, Scout's commands), the longest
/// single call (SLOWLOG, Scout's client) and the longest wait of a concurrent PING. Then Redis memory per message of
/// what Scout keeps.
/// </summary>
public static class IncrementalBench
{
    private const string Area = "Counting (incremental)";
    private static readonly string[] Severities = ["info", "INFO", "warning", "error", "ERROR", "critical"];

    public static async Task<int> RunAsync(string target, int[] sizes, int perInterval, int intervals)
    {
        var cycles = new Dictionary<int, double>();
        foreach (var size in sizes) cycles[size] = await OneSizeAsync(target, size, perInterval, intervals);
        if (sizes.Length >= 2)
            Table.Row(Area, $"Redis time of a cycle ({perInterval:N0} new messages) at {sizes.Max():N0} ÷ at {sizes.Min():N0} documents",
                Table.F(cycles[sizes.Max()] / cycles[sizes.Min()], "F2"), "≤ 1.5");
        return 0;
    }

    private sealed record Cost(double WallMs, double RedisMs, double LongestCallMs, double LongestPingMs, string LongestCommand = "",
        long Forks = 0, long Preempted = 0, IReadOnlyDictionary<string, (long Calls, long Micros)>? ByCommand = null);

    private static async Task<double> OneSizeAsync(string target, int documents, int perInterval, int intervals)
    {
        var run = "scoutinc" + Guid.NewGuid().ToString("N")[..8];
        var endpoint = ConfigurationOptions.Parse(target);
        endpoint.AllowAdmin = true;
        endpoint.AsyncTimeout = 300_000;
        await using var admin = await ConnectionMultiplexer.ConnectAsync(endpoint);
        await using var pinger = await ConnectionMultiplexer.ConnectAsync(endpoint.Clone());
        var db = admin.GetDatabase();
        var server = admin.GetServers().First(s => !s.IsReplica);
        var (host, port) = endpoint.EndPoints[0] switch
        {
            System.Net.DnsEndPoint dns => (dns.Host, dns.Port),
            System.Net.IPEndPoint ip => (ip.Address.ToString(), ip.Port),
            var other => throw new InvalidOperationException($"unsupported endpoint {other}"),
        };
        ScoutOptions Options(params (string, string)[] extra) => ScoutEnvironment.Load(new ConfigurationBuilder().AddInMemoryCollection(
            new Dictionary<string, string?>
            {
                ["REDIS_ADDR"] = host, ["REDIS_PORT"] = port.ToString(CultureInfo.InvariantCulture), ["REDIS_PASSWORD"] = endpoint.Password,
                ["REDISEARCH_INDEX"] = run, ["SCOUT_STREAM"] = run + "_stream", ["SCOUT_QUERY_TIMEOUT"] = "300s",
            }.Concat(extra.Select(e => new KeyValuePair<string, string?>(e.Item1, e.Item2)))).Build());
        var options = Options();
        await using var scout = new RedisConnection(Microsoft.Extensions.Options.Options.Create(options));
        var adapter = new RediSearchIndex(scout, new FixedMonitor(options), NullLogger<RediSearchIndex>.Instance);
        var metrics = new ScoutMetrics();
        // Composed as the app composes them, with the options of each step.
        ServiceProvider Services(ScoutOptions o) => new ServiceCollection()
            .AddLogging()
            .AddSingleton<ISearchIndex>(adapter)
            .AddSingleton(scout)
            .AddSingleton<IOptionsMonitor<ScoutOptions>>(new FixedMonitor(o))
            .AddSingleton(TimeProvider.System)
            .AddSingleton(metrics)
            .AddSingleton<ISnapshotStore>(new RedisSnapshotStore(scout))
            .AddCounting()
            .AddSingleton<AnalyticsAggregator>()
            .AddSingleton<RetentionPruner>()
            .BuildServiceProvider();
        var counts = new CountStore(scout);
        AnalyticsAggregator Aggregator(ScoutOptions o) => Services(o).GetRequiredService<AnalyticsAggregator>();
        RetentionPruner Pruner(ScoutOptions o) => Services(o).GetRequiredService<RetentionPruner>();
        try
        {
            await ResetCountsAsync(server, db);
            await StackSteps.SeedAsync(db, run, documents, hash: false, spreadHours: 72);
            await server.ExecuteAsync("CONFIG", "SET", "slowlog-log-slower-than", "1000");
            await server.ExecuteAsync("CONFIG", "SET", "slowlog-max-len", "10000");
            var on = $"{documents:N0} documents";

            var memoryBefore = await ScoutMemoryAsync(server, db);
            var first = await MeasureAsync(server, pinger, () => Aggregator(options).RunAsync(CancellationToken.None));
            var memory = await ScoutMemoryAsync(server, db) - memoryBefore;
            Row($"{on}: first start over existing documents (full pass, pages of {FullPass.ScanPage})", first);

            var cycleCosts = new List<Cost>();
            var random = new Random(7);
            for (var i = 0; i < intervals; i++)
            {
                await ProduceAsync(db, run, perInterval, random);
                cycleCosts.Add(await MeasureAsync(server, pinger, () => Aggregator(options).RunAsync(CancellationToken.None)));
            }
            var worst = cycleCosts.MaxBy(c => c.LongestCallMs)!;
            var cycle = new Cost(Table.Median(cycleCosts.Select(c => c.WallMs)), Table.Median(cycleCosts.Select(c => c.RedisMs)),
                worst.LongestCallMs, cycleCosts.Max(c => c.LongestPingMs), worst.LongestCommand, cycleCosts.Sum(c => c.Forks),
                cycleCosts.Sum(c => c.Preempted));
            Row($"{on}: a cycle with {perInterval:N0} new messages (median of {intervals}; longest call and PING: the worst)", cycle);
            Table.Row(Area, $"{on}: a cycle's Redis time by command (mean of {intervals} cycles: ms per cycle, calls per cycle, ms per call)",
                ByCommand(cycleCosts), "");
            Table.Row(Area, $"{on}: messages a cycle counts per second of its wall time", Table.F(perInterval / (cycle.WallMs / 1000), "F0"), "");

            var nothing = await MeasureAsync(server, pinger, () => Pruner(Options(("SCOUT_RETENTION_TTL", "96h"))).RunAsync(CancellationToken.None));
            Row($"{on}: retention run with nothing to delete", nothing, goal: "≤ 5 ms Redis time");
            long deleted = 0;
            var pruning = await MeasureAsync(server, pinger, async () => deleted = (await Pruner(Options(("SCOUT_RETENTION_TTL", "48h"))).RunAsync(CancellationToken.None)).Deleted);
            Row($"{on}: retention run deleting {deleted:N0} expired documents (SCOUT_RETENTION_MAX_DELETES), batches of 1,000", pruning);

            var reconcile = await MeasureAsync(server, pinger, () => Aggregator(Options(("SCOUT_RECONCILE_INTERVAL", "1ms"))).RunAsync(CancellationToken.None));
            Row($"{on}: reconciliation (full pass over the live counts, then the switch)", reconcile);

            // The Go service's queries over the same documents, for comparison.
            var go = await MeasureAsync(server, pinger, () => StackSteps.GoQueriesAsync(db, run), client: null);
            Row($"{on}: the Go service's five queries, for comparison", go);

            var records = await counts.CountRecordsAsync((await counts.ReadStateAsync()).LiveKeys!);
            Table.Row(Area, $"{on}: Redis memory Scout keeps per message ({{scout}}:count: keys, MEMORY USAGE; {records:N0} records)",
                $"{memory / (double)Math.Max(1, records):F0} B", "≤ 400 B");
            return cycle.RedisMs;
        }
        finally
        {
            try { await db.ExecuteAsync("FT.DROPINDEX", run, "DD"); } catch (RedisException) { }
            await db.KeyDeleteAsync(run + "_stream");
            await ResetCountsAsync(server, db);
            await server.ExecuteAsync("CONFIG", "SET", "slowlog-log-slower-than", "10000");
        }
    }

    /// <summary>Each command's share of the cycles' Redis time, largest first: "FT.SEARCH 6.50 ms (1 × 6.50 ms); …".</summary>
    private static string ByCommand(List<Cost> cycles) => string.Join("; ", cycles
        .SelectMany(c => c.ByCommand!)
        .GroupBy(kv => kv.Key)
        .Select(g => (Command: g.Key, Calls: g.Sum(kv => kv.Value.Calls) / (double)cycles.Count, Ms: g.Sum(kv => kv.Value.Micros) / 1000.0 / cycles.Count))
        .Where(c => c.Calls > 0)
        .OrderByDescending(c => c.Ms)
        .Select(c => $"{c.Command} {c.Ms:F2} ms ({c.Calls:0.#} × {c.Ms / c.Calls:F3} ms)"));

    private static void Row(string measure, Cost cost, string goal = "") => Table.Row(Area,
        measure + ": Redis time; longest Scout call; longest PING wait (wall time; forks of Redis, e.g. RediSearch's GC; times the OS preempted Redis)",
        $"{cost.RedisMs:F1} ms; {(cost.LongestCallMs > 0 ? $"{cost.LongestCallMs:F1} ms ({cost.LongestCommand})" : "< 1 ms")}; {cost.LongestPingMs:F1} ms " +
        $"(wall {cost.WallMs:F0} ms; {cost.Forks} forks; preempted {(cost.Preempted < 0 ? "n/a" : cost.Preempted.ToString(CultureInfo.InvariantCulture))})",
        goal.Length > 0 ? goal : "longest call ≤ 50 ms");

    /// <summary>New messages as the producer writes them: the document, then its key on the stream.</summary>
    private static async Task ProduceAsync(IDatabase db, string run, int count, Random random)
    {
        var now = DateTimeOffset.UtcNow;
        var writes = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            var system = $"system-{random.Next(60):D2}";
            var key = $"{run}:{Guid.NewGuid()}-{system}";
            var at = now - TimeSpan.FromSeconds(random.Next(120));
            writes.Add(db.JSON().SetAsync(key, "$", new
            {
                title = "new", message = "benchmark", severity = Severities[random.Next(Severities.Length)], author = "scout-bench",
                timestamp = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), system, tags = "bench",
            }).ContinueWith(_ => db.StreamAddAsync(run + "_stream", StreamFollower.MessageIdField, key)).Unwrap());
        }
        await Task.WhenAll(writes);
    }

    /// <summary>
    /// The work's wall time, its Redis time (INFO commandstats usec delta, PING and EXEC left out: the pinger's, and a
    /// transaction's commands count themselves), its longest call from SLOWLOG (calls of 1 ms or more, by the named client)
    /// (null: any client's) and the longest PING of a concurrent client.
    /// </summary>
    private static async Task<Cost> MeasureAsync(IServer server, ConnectionMultiplexer pinger, Func<Task> work, string? client = "homerun2-scout")
    {
        await server.ExecuteAsync("SLOWLOG", "RESET");
        var before = await CommandStatsAsync(server);
        var (forksBefore, preemptedBefore) = await RedisProcessAsync(server);
        var (wall, ping) = await StackSteps.TimedAsync(pinger, work);
        var after = await CommandStatsAsync(server);
        var (forksAfter, preemptedAfter) = await RedisProcessAsync(server);
        var longest = 0.0;
        var command = "";
        foreach (var entry in (RedisResult[])(await server.ExecuteAsync("SLOWLOG", "GET", "-1"))!)
        {
            var fields = (RedisResult[])entry!;
            var name = fields.Length > 5 ? fields[5].ToString() : "";
            if ((client is not null && name != client) || IsPing(fields)) continue;
            var ms = (long)fields[2] / 1000.0;
            if (ms <= longest) continue;
            longest = ms;
            command = string.Join(' ', ((RedisResult[])fields[3]!).Take(2).Select(a => a.ToString()));
        }
        var byCommand = after.ToDictionary(kv => kv.Key, kv => (kv.Value.Calls - before.GetValueOrDefault(kv.Key).Calls,
            kv.Value.Micros - before.GetValueOrDefault(kv.Key).Micros));
        return new Cost(wall, byCommand.Values.Sum(v => v.Item2) / 1000.0, longest, ping, command, forksAfter - forksBefore,
            preemptedBefore < 0 || preemptedAfter < 0 ? -1 : preemptedAfter - preemptedBefore, byCommand);
    }

    /// <summary>
    /// What else holds Redis' main thread besides commands: its forks so far (INFO stats total_forks; RediSearch's fork GC
    /// forks after deletions) and how often the OS preempted it (nonvoluntary_ctxt_switches of its main thread, when it
    /// runs on this machine; -1 otherwise).
    /// </summary>
    private static async Task<(long Forks, long Preempted)> RedisProcessAsync(IServer server)
    {
        var info = (await server.InfoAsync()).SelectMany(g => g).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.First().Value);
        var forks = long.Parse(info["total_forks"], CultureInfo.InvariantCulture);
        var status = $"/proc/{info["process_id"]}/task/{info["process_id"]}/status";
        if (!File.Exists(status)) return (forks, -1);
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal));
        return (forks, line is null ? -1 : long.Parse(line.Split(':')[1].Trim(), CultureInfo.InvariantCulture));
    }

    private static bool IsPing(RedisResult[] fields) => ((RedisResult[])fields[3]!).FirstOrDefault()?.ToString().Equals("PING", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>Calls and usec so far of each command (INFO commandstats), PING, EXEC, INFO and SLOWLOG left out.</summary>
    private static async Task<Dictionary<string, (long Calls, long Micros)>> CommandStatsAsync(IServer server)
    {
        var stats = new Dictionary<string, (long Calls, long Micros)>();
        foreach (var line in ((string)(await server.ExecuteAsync("INFO", "commandstats"))!).Split('\n'))
        {
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal) || line.StartsWith("cmdstat_ping:", StringComparison.Ordinal)
                || line.StartsWith("cmdstat_exec:", StringComparison.Ordinal) || line.StartsWith("cmdstat_info:", StringComparison.Ordinal)
                || line.StartsWith("cmdstat_slowlog", StringComparison.Ordinal)) continue;
            var parts = line.Trim().Split(':', 2);
            long Field(string name) => long.Parse(parts[1].Split(',').First(p => p.StartsWith(name + "=", StringComparison.Ordinal))[(name.Length + 1)..],
                CultureInfo.InvariantCulture);
            stats[parts[0]["cmdstat_".Length..].ToUpperInvariant()] = (Field("calls"), Field("usec"));
        }
        return stats;
    }

    /// <summary>The memory of Scout's counts (MEMORY USAGE of every {scout}:count: key, exact).</summary>
    private static async Task<long> ScoutMemoryAsync(IServer server, IDatabase db)
    {
        long total = 0;
        await foreach (var key in server.KeysAsync(pattern: ScoutKeys.Prefix + "count:*", pageSize: 1000))
            total += (long)(await db.ExecuteAsync("MEMORY", "USAGE", key.ToString(), "SAMPLES", "0"));
        return total;
    }

    private static async Task ResetCountsAsync(IServer server, IDatabase db)
    {
        var keys = new List<RedisKey>();
        await foreach (var key in server.KeysAsync(pattern: ScoutKeys.Prefix + "*", pageSize: 1000)) keys.Add(key);
        foreach (var chunk in keys.Chunk(500)) await db.KeyDeleteAsync(chunk);
    }
}
