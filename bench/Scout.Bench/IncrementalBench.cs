using System.Globalization;
using Scout.Analytics;
using Scout.Configuration;
using Scout.Counting;
using StackExchange.Redis;

namespace Scout.Bench;

/// <summary>
/// Scout's counting on a live Redis Stack it may own (it removes Scout's {scout}: keys first), on one index grown
/// through each size in turn (documents over the last 49 h). At each size: the first start over the documents (a full
/// pass), retention with nothing and with the oldest hour to delete, then the steady scenario — a producer writing at a
/// steady rate while Scout runs a cycle and retention (SCOUT_RETENTION_TTL 48h) every 5 s — a reconciliation, and the
/// Go service's five queries for comparison. For each: Redis time (INFO commandstats, Scout's commands), the longest
/// single call (SLOWLOG, Scout's client) and the longest wait of a concurrent PING. Then Redis memory per message.
/// </summary>
public static class IncrementalBench
{
    private const string Area = "Counting (incremental)";
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(5);
    private const int WarmUpCycles = 2;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(60);

    /// <summary>The pairs of sizes whose steady cycles are compared (×5 and ×10 the documents).</summary>
    private static readonly (int Small, int Large)[] Ratios = [(200_000, 1_000_000), (300_000, 3_000_000)];

    public static async Task<int> RunAsync(string target, int[] sizes, int perSecond, int cycles)
    {
        await using var bench = await BenchRedis.ConnectAsync(target);
        var steady = new Dictionary<int, (double Cycle, double WithRetention)>();
        try
        {
            await bench.ResetScoutAsync();
            await StackSteps.CreateIndexAsync(bench.Db, bench.Run, hash: false);
            await bench.Server.ExecuteAsync("CONFIG", "SET", "slowlog-log-slower-than", "1000");
            await bench.Server.ExecuteAsync("CONFIG", "SET", "slowlog-max-len", "10000");
            foreach (var size in sizes.Order()) steady[size] = await OneSizeAsync(bench, size, perSecond, cycles);
        }
        finally
        {
            try { await bench.Db.ExecuteAsync("FT.DROPINDEX", bench.Run, "DD"); } catch (RedisException) { }
            await bench.Db.KeyDeleteAsync(bench.Run + "_stream");
            await bench.ResetScoutAsync();
            await bench.Server.ExecuteAsync("CONFIG", "SET", "slowlog-log-slower-than", "10000");
        }
        var pairs = Ratios.Where(p => steady.ContainsKey(p.Small) && steady.ContainsKey(p.Large)).ToList();
        if (pairs.Count == 0 && sizes.Length >= 2) pairs.Add((sizes.Min(), sizes.Max()));
        foreach (var (small, large) in pairs)
        {
            Table.Row(Area, $"steady: Redis time of a cycle at {large:N0} ÷ at {small:N0} documents (medians)",
                Table.F(steady[large].Cycle / steady[small].Cycle, "F2"), "≤ 1.5");
            // Documents spread evenly over 48 h expire at size ÷ 48 h: retention deletes more per run at a larger size
            // here, where a real index expires what its producers wrote 48 h before.
            Table.Row(Area, $"steady: Redis time of a cycle and its retention run at {large:N0} ÷ at {small:N0} documents (medians; expired documents per run grow with the size here)",
                Table.F(steady[large].WithRetention / steady[small].WithRetention, "F2"), "≤ 1.5");
        }
        return 0;
    }

    private static async Task<(double Cycle, double WithRetention)> OneSizeAsync(BenchRedis bench, int documents, int perSecond, int cycles)
    {
        var (db, server, run) = (bench.Db, bench.Server, bench.Run);
        await StackSteps.GrowAsync(db, run, documents, hash: false, spreadHours: 49);
        await bench.ResetScoutAsync();
        var on = $"{documents:N0} documents";
        using var scout = bench.Services();

        var memoryBefore = await bench.ScoutMemoryAsync();
        var first = await bench.MeasureAsync(() => scout.Aggregate());
        var memory = await bench.ScoutMemoryAsync() - memoryBefore;
        Row($"{on}: first start over existing documents (full pass, pages of {FullPass.ScanPage})", first);

        using (var keep = bench.Services(("SCOUT_RETENTION_TTL", "96h")))
            Row($"{on}: retention run with nothing to delete", await bench.MeasureAsync(() => keep.Prune()), goal: "≤ 5 ms Redis time");
        long deleted = 0;
        var pruning = await bench.MeasureAsync(async () => deleted = await scout.Prune());
        Row($"{on}: retention run deleting the {deleted:N0} documents older than 48 h (batches of 1,000)", pruning);

        // A large deletion sets RediSearch's fork GC going; the first cycles after it ran up to 5× slower at 3,000,000
        // documents, every write alike (copy-on-write while the GC's child lives; docs/performance.md): the steady
        // scenario starts after a settle.
        await Task.Delay(Settle);
        var steady = await SteadyAsync(bench, scout, on, perSecond, cycles);

        using (var reconciling = bench.Services(("SCOUT_RECONCILE_INTERVAL", "1ms")))
            Row($"{on}: reconciliation (full pass over the live counts, then the switch)", await bench.MeasureAsync(() => reconciling.Aggregate()));
        Row($"{on}: the Go service's five queries, for comparison", await bench.MeasureAsync(() => StackSteps.GoQueriesAsync(db, run), client: null));

        var records = await bench.Counts.CountRecordsAsync((await bench.Counts.ReadStateAsync()).LiveKeys!);
        Table.Row(Area, $"{on}: Redis memory Scout keeps per message ({{scout}}:count: keys, MEMORY USAGE; {records:N0} records)",
            $"{memory / (double)Math.Max(1, records):F0} B", "≤ 400 B");
        return steady;
    }

    /// <summary>
    /// The issue's scenario: the producer writes at <paramref name="perSecond"/> while a cycle and a retention run start
    /// every 5 s (two periods to warm up, then <paramref name="cycles"/> measured), each measured apart. Returns the
    /// median Redis time of the cycle alone and of the cycle with its retention run; checks afterwards that the counts
    /// equal the index.
    /// </summary>
    private static async Task<(double Cycle, double WithRetention)> SteadyAsync(BenchRedis bench, ScoutServices scout, string on, int perSecond, int cycles)
    {
        var (aggregations, retentions) = (new List<Cost>(), new List<Cost>());
        long expired = 0;
        await using (SteadyProducer.Start(bench.Producer, bench.Run, perSecond))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; i < WarmUpCycles + cycles; i++)
            {
                long deleted = 0;
                var aggregation = await bench.MeasureAsync(() => scout.Aggregate());
                var retention = await bench.MeasureAsync(async () => deleted = await scout.Prune());
                if (i >= WarmUpCycles)
                {
                    aggregations.Add(aggregation);
                    retentions.Add(retention);
                    expired += deleted;
                }
                var next = Period * (i + 1) - clock.Elapsed;
                if (next > TimeSpan.Zero) await Task.Delay(next);
            }
        }
        var steady = $"{on}: steady, a producer at {perSecond} messages/s, a cycle and a retention run every {Period.TotalSeconds:F0} s (median of {cycles}; longest call and PING: the worst)";
        var cycle = Median(aggregations);
        Row($"{steady}, the cycle alone", cycle);
        var both = Median(aggregations.Zip(retentions, (a, r) => a with { RedisMs = a.RedisMs + r.RedisMs, WallMs = a.WallMs + r.WallMs }).ToList());
        Row($"{steady}, the cycle and its retention run ({expired:N0} expired documents deleted in {cycles} runs: " +
            $"{retentions.Sum(r => r.RedisMs) / Math.Max(1, expired):F3} ms of Redis time each)", both);
        Table.Row(Area, $"{on}: steady, the cycle's Redis time by command (mean of {cycles} cycles: ms per cycle, calls per cycle, ms per call)",
            RedisMeter.ByCommand(aggregations), "");
        Table.Row(Area, $"{on}: steady, the retention run's Redis time by command (mean of {cycles} runs)", RedisMeter.ByCommand(retentions), "");
        var counted = (await scout.Aggregate()).First(s => s.Window == AnalyticsWindow.AllName).TotalMessages;
        var indexed = await StackSteps.IndexedAsync(bench.Db, bench.Run);
        Table.Row(Area, $"{on}: steady, after the producer stopped and one more cycle: Scout's total ÷ the index's num_docs",
            $"{counted:N0} ÷ {indexed:N0}{(counted == indexed ? " (exact)" : " (NOT EXACT)")}", "exact");
        return (cycle.RedisMs, both.RedisMs);
    }

    /// <summary>Medians of the wall and Redis times; the worst longest call and PING; forks and preemptions summed.</summary>
    private static Cost Median(List<Cost> costs)
    {
        var worst = costs.MaxBy(c => c.LongestCallMs)!;
        return new Cost(Table.Median(costs.Select(c => c.WallMs)), Table.Median(costs.Select(c => c.RedisMs)), worst.LongestCallMs,
            costs.Max(c => c.LongestPingMs), worst.LongestCommand, costs.Sum(c => c.Forks), costs.Sum(c => c.Preempted));
    }

    private static void Row(string measure, Cost cost, string goal = "") => Table.Row(Area,
        measure + ": Redis time; longest Scout call; longest PING wait (wall time; forks of Redis, e.g. RediSearch's GC; times the OS preempted Redis)",
        $"{cost.RedisMs:F1} ms; {(cost.LongestCallMs > 0 ? $"{cost.LongestCallMs:F1} ms ({cost.LongestCommand})" : "< 1 ms")}; {cost.LongestPingMs:F1} ms " +
        $"(wall {cost.WallMs:F0} ms; {cost.Forks} forks; preempted {(cost.Preempted < 0 ? "n/a" : cost.Preempted.ToString(CultureInfo.InvariantCulture))})",
        goal.Length > 0 ? goal : "longest call ≤ 50 ms");
}
