using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NRedisStack.RedisStackCommands;
using Scout.Analytics;
using Scout.Configuration;
using Scout.Http;
using Scout.Redis;
using Scout.Search;
using StackExchange.Redis;

namespace Scout.Bench;

/// <summary>
/// Steps the benchmarks share on a live Redis Stack: seeding producer-shaped documents under an index and prefix of
/// their own, timing work while another client PINGs, and the Go service's five queries (REFERENCE.md) for comparison.
/// </summary>
public static class StackSteps
{
    private static readonly string[] Severities = ["info", "INFO", "warning", "Warning", "error", "ERROR", "critical", "debug"];

    /// <summary>An index of the producer's ON JSON schema (or the older producer's ON HASH one) over the prefix "RUN:".</summary>
    internal static async Task CreateIndexAsync(IDatabase db, string run, bool hash)
    {
        var create = hash
            ? new List<object> { run, "ON", "HASH", "SCHEMA", "severity", "TEXT", "system", "TEXT", "timestamp", "NUMERIC", "SORTABLE", "title", "TEXT", "message", "TEXT" }
            : RediSearchCommands.CreateProducerIndex(run).Args.ToList();
        create.InsertRange(create.IndexOf("SCHEMA"), ["PREFIX", "1", run + ":"]);
        try
        {
            await db.ExecuteAsync("FT.CREATE", [.. create]);
        }
        catch (RedisServerException error) when (error.Message.Contains("unknown command", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException("SCOUT_TEST_REDIS_STACK must point at Redis Stack (RediSearch + RedisJSON): " + error.Message, error);
        }
    }

    /// <summary>
    /// Adds producer-shaped documents (timestamps over the last <paramref name="spreadHours"/> hours, mixed-case
    /// severities) until the index holds <paramref name="documents"/>, pipelined, and waits until they are indexed:
    /// JSON with RFC 3339 text, or hashes with Unix seconds. No stream entry: Scout counts them by a full pass.
    /// </summary>
    internal static async Task GrowAsync(IDatabase db, string run, int documents, bool hash, int spreadHours)
    {
        var now = DateTimeOffset.UtcNow;
        var random = new Random(documents);
        var seeding = Stopwatch.StartNew();
        var from = (int)await IndexedAsync(db, run);
        for (var start = from; start < documents; start += 2_000)
        {
            var writes = new List<Task>();
            for (var i = start; i < Math.Min(documents, start + 2_000); i++)
            {
                var system = $"system-{random.Next(60):D2}";
                var severity = Severities[random.Next(Severities.Length)];
                var timestamp = now - TimeSpan.FromSeconds(random.Next(spreadHours * 3600));
                var key = $"{run}:{Guid.NewGuid()}-{system}";
                writes.Add(hash
                    ? db.HashSetAsync(key, [new("title", $"message {i}"), new("message", "benchmark document"), new("severity", severity),
                        new("system", system), new("timestamp", timestamp.ToUnixTimeSeconds())])
                    : db.JSON().SetAsync(key, "$", new
                    {
                        title = $"message {i}",
                        message = "benchmark document",
                        severity,
                        author = "scout-bench",
                        timestamp = timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                        system,
                        tags = "bench",
                    }));
            }
            await Task.WhenAll(writes);
        }
        Table.Progress($"added {Math.Max(0, documents - from):N0} documents (now {documents:N0}) in {seeding.Elapsed.TotalSeconds:F1} s; waiting for the index");
        await WaitIndexedAsync(db, run, documents);
    }

    /// <summary>The index's num_docs (FT.INFO), indexing or not.</summary>
    internal static async Task<long> IndexedAsync(IDatabase db, string index) => NumDocs(await InfoAsync(db, index));

    private static long NumDocs(Dictionary<string, string> info) =>
        long.Parse(info.GetValueOrDefault("num_docs", "0"), CultureInfo.InvariantCulture);

    /// <summary>FT.INFO's scalar fields by name.</summary>
    private static async Task<Dictionary<string, string>> InfoAsync(IDatabase db, string index)
    {
        var info = (RedisResult[])(await db.ExecuteAsync("FT.INFO", index))!;
        var fields = new Dictionary<string, string>();
        for (var i = 0; i + 1 < info.Length; i += 2)
            if (info[i + 1].Resp2Type is ResultType.Integer or ResultType.BulkString or ResultType.SimpleString)
                fields[info[i].ToString()] = info[i + 1].ToString();
        return fields;
    }

    private static async Task WaitIndexedAsync(IDatabase db, string index, int documents)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(10))
        {
            var fields = await InfoAsync(db, index);
            if (NumDocs(fields) >= documents
                && fields.GetValueOrDefault("indexing", "0") == "0")
                return;
            await Task.Delay(250);
        }
        throw new TimeoutException($"{index}: not every document indexed after 10 minutes");
    }

    /// <summary>Times the work while another client PINGs one after the other: the longest PING is how long Redis stalled.</summary>
    internal static async Task<(double Milliseconds, double LongestPing)> TimedAsync(ConnectionMultiplexer pinger, Func<Task> work)
    {
        using var done = new CancellationTokenSource();
        var ping = Task.Run(async () =>
        {
            var longest = TimeSpan.Zero;
            while (!done.IsCancellationRequested)
            {
                var rtt = await pinger.GetDatabase().PingAsync();
                if (rtt > longest) longest = rtt;
            }
            return longest;
        });
        var watch = Stopwatch.StartNew();
        await work();
        var elapsed = watch.Elapsed.TotalMilliseconds;
        done.Cancel();
        return (elapsed, (await ping).TotalMilliseconds);
    }

    /// <summary>REFERENCE.md's five queries, one after the other as the Go service sends them; returns the summary's total.</summary>
    internal static async Task<long> GoQueriesAsync(IDatabase db, string index)
    {
        var summary = (RedisResult[])(await db.ExecuteAsync("FT.AGGREGATE", index, "*",
            "GROUPBY", "1", "@severity", "REDUCE", "COUNT", "0", "AS", "count", "TIMEOUT", "30000"))!;
        await db.ExecuteAsync("FT.AGGREGATE", index, "*",
            "GROUPBY", "1", "@system", "REDUCE", "COUNT", "0", "AS", "count", "SORTBY", "2", "@count", "DESC", "MAX", "20", "TIMEOUT", "30000");
        foreach (var severity in new[] { "ERROR", "CRITICAL" })
            await db.ExecuteAsync("FT.AGGREGATE", index, $"@severity:({severity})",
                "GROUPBY", "0", "REDUCE", "COUNT", "0", "AS", "count", "TIMEOUT", "30000");
        await db.ExecuteAsync("FT.AGGREGATE", index, "@severity:(ERROR|CRITICAL)",
            "GROUPBY", "1", "@system", "REDUCE", "COUNT", "0", "AS", "count", "SORTBY", "2", "@count", "DESC", "MAX", "10", "TIMEOUT", "30000");
        // RESP2 rows: [total, [field, value, ...], ...]; totalMessages is the sum of the count fields.
        long total = 0;
        foreach (var row in summary.Skip(1).Select(r => (RedisResult[])r!))
            for (var i = 0; i + 1 < row.Length; i += 2)
                if (row[i].ToString() == "count") total += long.Parse(row[i + 1].ToString(), CultureInfo.InvariantCulture);
        return total;
    }
}
