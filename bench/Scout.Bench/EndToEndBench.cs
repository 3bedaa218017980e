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
/// The whole aggregation cycle on a live Redis Stack (SCOUT_TEST_REDIS_STACK=host:port[,password=…]), side by
/// side in the same run with the Go service's five queries (REFERENCE.md), which compute the all-time views only.
/// Seeds N producer-shaped JSON documents under a prefix and an index of its own, times both ways interleaved,
/// checks that both count every document, then drops its index with its documents (nothing else is touched:
/// Scout's snapshots are serialised but not written, so a Scout using the same Redis is not disturbed).
/// </summary>
public static class EndToEndBench
{
    private const string Area = "Aggregation (end to end)";
    private static readonly string[] Severities = ["info", "INFO", "warning", "Warning", "error", "ERROR", "critical", "debug"];

    /// <param name="topology">What the target is, for the table (e.g. "one node", "three shards"); empty for none.</param>
    public static async Task<int> RunAsync(string target, int documents, int runs, bool hash = false, string topology = "")
    {
        var on = topology.Length > 0 ? topology + ", " : "";
        var run = "scoutbench" + Guid.NewGuid().ToString("N")[..8];
        var endpoint = ConfigurationOptions.Parse(target);
        var (host, port) = endpoint.EndPoints[0] switch
        {
            System.Net.DnsEndPoint dns => (dns.Host, dns.Port),
            System.Net.IPEndPoint ip => (ip.Address.ToString(), ip.Port),
            var other => throw new InvalidOperationException($"SCOUT_TEST_REDIS_STACK: unsupported endpoint {other}"),
        };
        var options = ScoutEnvironment.Load(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["REDIS_ADDR"] = host, ["REDIS_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["REDIS_PASSWORD"] = endpoint.Password, ["REDISEARCH_INDEX"] = run,
            // Longer than Scout's 30 s default: at millions of documents the producer's-index way needs it here.
            ["SCOUT_QUERY_TIMEOUT"] = "300s",
        }).Build());
        await using var scout = new RedisConnection(Options.Create(options));
        // The Go service's client: RESP2, as REFERENCE.md notes.
        endpoint.Protocol = RedisProtocol.Resp2;
        endpoint.AsyncTimeout = 300_000;
        endpoint.AllowAdmin = true; // INFO commandstats, to count round trips as the server sees them
        await using var go = await ConnectionMultiplexer.ConnectAsync(endpoint);
        var db = go.GetDatabase();
        var ownOptions = ScoutEnvironment.Load(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["REDIS_ADDR"] = host, ["REDIS_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["REDIS_PASSWORD"] = endpoint.Password, ["REDISEARCH_INDEX"] = run,
            // Longer than Scout's 30 s default: at millions of documents the producer's-index way needs it here.
            ["SCOUT_QUERY_TIMEOUT"] = "300s", ["SCOUT_OWN_INDEX"] = "true",
        }).Build());
        await using var pinger = await ConnectionMultiplexer.ConnectAsync(endpoint.Clone());
        try
        {
            await SeedAsync(db, run, documents, hash);
            // Every primary: on a cluster the client's commands (and the coordinator's fan-out to the shards) land on several.
            var servers = go.GetServers().Where(s => !s.IsReplica).ToList();
            var adapter = new RediSearchIndex(scout, new FixedMonitor(options), NullLogger<RediSearchIndex>.Instance);
            var producer = RediSearchReplies.ParseIndexInfo(run, await db.ExecuteAsync("FT.INFO", run)).Definition;

            // Scout's own index, built as the first cycle would build it; its cost in Redis memory and indexing time.
            var memoryBefore = await UsedMemoryAsync(servers);
            var building = Stopwatch.StartNew();
            var ownAdapter = new RediSearchIndex(scout, new FixedMonitor(ownOptions), NullLogger<RediSearchIndex>.Instance);
            IndexDefinition own;
            while ((own = await ownAdapter.EnsureIndexAsync(CancellationToken.None)).Source != IndexSource.Scout) await Task.Delay(50);
            var buildSeconds = building.Elapsed.TotalSeconds;
            var ownInfo = RediSearchReplies.ParseIndexInfo(own.Name, await db.ExecuteAsync("FT.INFO", own.Name));
            var memoryAfter = await UsedMemoryAsync(servers);

            var goTimes = new List<double>();
            var landedTimes = new List<double>();
            var ownTimes = new List<double>();
            double goPing = 0, landedPing = 0, ownPing = 0;
            long goTotal = 0, landedTotal = 0, ownTotal = 0;
            for (var i = -1; i < runs; i++) // the first round warms every way up and is not counted
            {
                var (ms, ping) = await TimedAsync(pinger, async () => goTotal = await GoQueriesAsync(db, run));
                if (i >= 0) { goTimes.Add(ms); goPing = Math.Max(goPing, ping); }
                (ms, ping) = await TimedAsync(pinger, async () => landedTotal = await ScoutCycleAsync(producer, adapter, options));
                if (i >= 0) { landedTimes.Add(ms); landedPing = Math.Max(landedPing, ping); }
                (ms, ping) = await TimedAsync(pinger, async () => ownTotal = await ScoutCycleAsync(own, adapter, options));
                if (i >= 0) { ownTimes.Add(ms); ownPing = Math.Max(ownPing, ping); }
                Table.Progress($"end to end round {i + 1}: Go {goTimes.LastOrDefault():F0} ms, Scout on the producer's index {landedTimes.LastOrDefault():F0} ms, on its own {ownTimes.LastOrDefault():F0} ms");
            }
            if (ownTotal != documents || landedTotal != documents || goTotal != documents)
                throw new InvalidOperationException($"counts disagree: seeded {documents}, Scout counted {ownTotal} (own index) and {landedTotal} (producer's), the Go queries {goTotal}");

            var retentionProducer = await RetentionScanAsync(adapter, producer, runs);
            var retentionOwn = await RetentionScanAsync(adapter, own, runs);
            var scoutCalls = await RedisCost.CallsDuringAsync(servers, () => ScoutCycleAsync(own, adapter, options));
            var goCalls = await RedisCost.CallsDuringAsync(servers, () => GoQueriesAsync(db, run));
            var windows = string.Join("/", options.Windows.Select(w => w.Name));
            Table.Row(Area, $"{on}{documents:N0} {(hash ? "HASH documents (NUMERIC SORTABLE timestamp, the older producer)" : "JSON documents")}: Scout cycle through its own index (all + {windows}; FT.AGGREGATE with cursor, snapshots built and serialised), median of {runs}",
                Table.MedianMs(ownTimes), "");
            Table.Row(Area, $"{on}the same cycle through the producer's index (the landed way), median of {runs}", Table.MedianMs(landedTimes), "");
            Table.Row(Area, $"{on}the Go service's five queries (all-time views only), median of {runs}", Table.MedianMs(goTimes), "");
            Table.Row(Area, $"{on}Scout cycle (own index) ÷ Go queries (time); every way counted every document",
                Table.F(Table.Median(ownTimes) / Table.Median(goTimes), "F2"), "≤ 0.3");
            Table.Row(Area, $"{on}longest PING wait of a concurrent client: during Scout's cycle (own index) / producer's index / Go's queries",
                $"{ownPing:F0} ms / {landedPing:F0} ms / {goPing:F0} ms", "own ≤ Go");
            Table.Row(Area, $"{on}Scout's own index: used_memory growth per document (FT.INFO doc table + sortable values); time to build",
                $"{(memoryAfter - memoryBefore) / (double)documents:F0} B ({(ownInfo.DocTableMegabytes + ownInfo.SortableValuesMegabytes) * 1024 * 1024 / documents:F0} B); {buildSeconds:F1} s", "");
            Table.Row(Area, $"{on}retention scan (expired keys before now-24h, every page read, nothing deleted), median of {runs}: producer's index → own index",
                $"{Table.MedianMs(retentionProducer)} → {Table.MedianMs(retentionOwn)}", "");
            Table.Row(Area, $"{on}commands per cycle, as the server{(servers.Count > 1 ? "s count them (summed over " + servers.Count + " primaries, the coordinator's fan-out included)" : " counts them")}", $"Scout {scoutCalls} (+1 MSET of the snapshots, not sent here); Go {goCalls}", "");
            return 0;
        }
        finally
        {
            try
            {
                await db.ExecuteAsync("FT.DROPINDEX", "scout_" + run); // Scout's own index, never with DD
            }
            catch (RedisServerException)
            {
            }
            // DD deletes the indexed documents: only while the index is still the one created here, on this run's own prefix.
            try
            {
                if (CoversOnly(await db.ExecuteAsync("FT.INFO", run), run + ":"))
                {
                    await db.ExecuteAsync("FT.DROPINDEX", run, "DD");
                }
                else
                {
                    Table.Progress($"{run} no longer covers only {run}:*; dropping it without its documents");
                    await db.ExecuteAsync("FT.DROPINDEX", run);
                }
            }
            catch (RedisServerException)
            {
                // Already gone.
            }
        }
    }

    /// <summary>
    /// Producer-shaped documents (timestamps over the last 48 h, mixed-case severities), pipelined: JSON with RFC 3339
    /// text under the producer's ON JSON schema, or hashes with Unix seconds under the older producer's ON HASH schema.
    /// </summary>
    internal static async Task SeedAsync(IDatabase db, string run, int documents, bool hash, int spreadHours = 48)
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
        var now = DateTimeOffset.UtcNow;
        var random = new Random(42);
        var seeding = Stopwatch.StartNew();
        for (var start = 0; start < documents; start += 2_000)
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
        Table.Progress($"seeded {documents:N0} documents in {seeding.Elapsed.TotalSeconds:F1} s; waiting for the index");
        await WaitIndexedAsync(db, run, documents);
    }

    private static async Task WaitIndexedAsync(IDatabase db, string index, int documents)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(10))
        {
            var info = (RedisResult[])(await db.ExecuteAsync("FT.INFO", index))!;
            var fields = new Dictionary<string, string>();
            for (var i = 0; i + 1 < info.Length; i += 2)
                if (info[i + 1].Resp2Type is ResultType.Integer or ResultType.BulkString or ResultType.SimpleString)
                    fields[info[i].ToString()] = info[i + 1].ToString();
            if (fields.GetValueOrDefault("num_docs") == documents.ToString(CultureInfo.InvariantCulture)
                && fields.GetValueOrDefault("indexing", "0") == "0")
                return;
            await Task.Delay(250);
        }
        throw new TimeoutException($"{index}: not every document indexed after 10 minutes");
    }

    /// <summary>Scout's cycle as AggregateAnalytics runs it on the given index, minus FT.INFO and the snapshot write; returns the all-time total.</summary>
    internal static async Task<long> ScoutCycleAsync(IndexDefinition definition, RediSearchIndex adapter, ScoutOptions options)
    {
        var watch = Stopwatch.StartNew();
        var plan = new WindowPlan(options.Windows, DateTimeOffset.UtcNow);
        var counts = await adapter.CountByWindowAsync(definition, plan, CancellationToken.None);
        var snapshots = SnapshotBuilder.Build(counts, plan, watch.Elapsed);
        foreach (var snapshot in snapshots) JsonSerializer.SerializeToUtf8Bytes(snapshot, ScoutJson.Options);
        return snapshots[0].TotalMessages;
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

    private static async Task<List<double>> RetentionScanAsync(RediSearchIndex adapter, IndexDefinition index, int runs)
    {
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            await foreach (var _ in adapter.FindExpiredAsync(index, DateTimeOffset.UtcNow - TimeSpan.FromHours(24), CancellationToken.None)) { }
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        return times;
    }

    private static async Task<long> UsedMemoryAsync(IReadOnlyList<IServer> servers)
    {
        long total = 0;
        foreach (var server in servers)
            total += long.Parse((await server.InfoAsync("memory")).SelectMany(g => g).First(p => p.Key == "used_memory").Value, CultureInfo.InvariantCulture);
        return total;
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

    /// <summary>Whether an FT.INFO reply (RESP2) shows an index whose only prefix is the given one.</summary>
    private static bool CoversOnly(RedisResult info, string prefix)
    {
        var fields = (RedisResult[])info!;
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            if (fields[i].ToString() != "index_definition") continue;
            var definition = (RedisResult[])fields[i + 1]!;
            for (var j = 0; j + 1 < definition.Length; j += 2)
                if (definition[j].ToString() == "prefixes")
                    return ((RedisResult[])definition[j + 1]!).Select(p => p.ToString()).SequenceEqual([prefix]);
        }
        return false;
    }
}
