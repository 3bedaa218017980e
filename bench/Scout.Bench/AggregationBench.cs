using System.Diagnostics;
using System.Text.Json;
using Scout.Analytics;
using Scout.Configuration;
using Scout.Http;
using Scout.Search;
using StackExchange.Redis;

namespace Scout.Bench;

/// <summary>
/// The client side of one aggregation cycle on synthetic FT.AGGREGATE replies (RediSearch 2.6 RESP2 shape,
/// pages of the adapter's cursor size): parse every page, turn rows into counts, build every window's
/// snapshot and serialise it as the store does. Cost per group shows whether it scales linearly.
/// </summary>
public static class AggregationBench
{
    private static readonly string[] Severities = ["info", "warning", "error", "critical", "debug"];

    public static async Task<int> RunAsync()
    {
        var windows = new List<AnalyticsWindow> { new("5m", TimeSpan.FromMinutes(5)), new("1h", TimeSpan.FromHours(1)), new("24h", TimeSpan.FromHours(24)) };
        foreach (var (groups, iterations) in new[] { (10, 2000), (1_000, 200), (10_000, 40), (100_000, 5), (300_000, 3) })
        {
            var plan = new WindowPlan(windows, DateTimeOffset.UtcNow);
            var pages = Replies(Counts(groups, windows.Count));
            var bytes = 0;
            // Warm-up until tiered compilation has settled: at least 1 s and 50 cycles (as many as the timed ones for the largest).
            var warmUp = Stopwatch.StartNew();
            for (var i = 0; i < Math.Min(50, iterations) || warmUp.Elapsed < TimeSpan.FromSeconds(1); i++) bytes = Cycle(pages, plan);
            GC.Collect();
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < iterations; i++) Cycle(pages, plan);
            watch.Stop();
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            var perCycle = watch.Elapsed.TotalMilliseconds / iterations;
            var perGroupNs = watch.Elapsed.TotalNanoseconds / iterations / groups;
            Table.Row("Aggregation (client side)", $"{groups:N0} groups: time per cycle", $"{Table.F(perCycle, "F3")} ms ({Table.F(perGroupNs, "F0")} ns/group)", "linear: ns/group flat from 10k to 300k");
            Table.Row("Aggregation (client side)", $"{groups:N0} groups: allocated per cycle",
                $"{Table.F(allocated / (double)iterations / 1024, "F0")} KiB ({Table.F(allocated / (double)iterations / groups, "F0")} B/group); snapshots {Table.F(bytes / 1024.0, "F1")} KiB", "");
        }
        await Task.CompletedTask;
        return 0;
    }

    /// <summary>One cycle's client work; returns the serialised size of every window's snapshot.</summary>
    private static int Cycle(IReadOnlyList<RedisResult> pages, WindowPlan plan)
    {
        var counts = new List<WindowedCount>();
        for (var p = 0; p < pages.Count; p++)
        {
            var page = RediSearchReplies.ParseAggregate(pages[p], countWithoutRowsIsPartial: p == 0);
            foreach (var row in page.Rows) counts.Add(RediSearchIndex.ToCount(row));
        }
        var snapshots = SnapshotBuilder.Build(counts, plan, TimeSpan.FromMilliseconds(10));
        var size = 0;
        foreach (var snapshot in snapshots) size += JsonSerializer.SerializeToUtf8Bytes(snapshot, ScoutJson.Options).Length;
        return size;
    }

    /// <summary>Distinct (severity, system, bucket) groups with varied counts: many systems, as on a busy platform.</summary>
    public static List<WindowedCount> Counts(int groups, int windowCount)
    {
        var buckets = windowCount + 1;
        var counts = new List<WindowedCount>(groups);
        for (var i = 0; i < groups; i++)
        {
            var severity = Severities[i % Severities.Length];
            var bucket = i / Severities.Length % buckets;
            var system = $"system-{i / (Severities.Length * buckets):D5}";
            counts.Add(new WindowedCount(severity, system, bucket, 1 + (i * 7919L % 5000)));
        }
        return counts;
    }

    /// <summary>The groups as cursor pages: [[total, row...], cursorId], rows as flat field/value arrays.</summary>
    private static List<RedisResult> Replies(List<WindowedCount> counts)
    {
        var pages = new List<RedisResult>();
        var pageSize = RediSearchCommands.CursorPageSize;
        for (var start = 0; start < Math.Max(1, counts.Count); start += pageSize)
        {
            var slice = counts.Skip(start).Take(pageSize).ToList();
            var items = new List<RedisResult> { RedisResult.Create((RedisValue)counts.Count, ResultType.Integer) };
            items.AddRange(slice.Select(c => RedisResult.Create(
            [
                Text("sev"), Text(c.Severity.ToUpperInvariant()), Text("system"), Text(c.System),
                Text("bucket"), Text(c.Bucket.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Text("count"), Text(c.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ])));
            var cursor = start + pageSize < counts.Count ? 4242 + start : 0;
            pages.Add(RedisResult.Create([RedisResult.Create([.. items]), RedisResult.Create((RedisValue)cursor, ResultType.Integer)]));
        }
        return pages;
    }

    private static RedisResult Text(string value) => RedisResult.Create((RedisValue)value, ResultType.BulkString);
}
