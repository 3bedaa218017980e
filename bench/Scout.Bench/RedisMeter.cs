using System.Globalization;
using StackExchange.Redis;

namespace Scout.Bench;

/// <summary>
/// What a piece of work cost Redis: wall time, Redis time (INFO commandstats), the longest call of Scout's client
/// (SLOWLOG) and the longest wait of a concurrent PING, with Redis's forks and preemptions over the same span.
/// </summary>
public sealed record Cost(double WallMs, double RedisMs, double LongestCallMs, double LongestPingMs, string LongestCommand = "",
    long Forks = 0, long Preempted = 0, IReadOnlyDictionary<string, (long Calls, long Micros)>? ByCommand = null);

public static class RedisMeter
{
    /// <summary>
    /// Commands that are not the measured work's: the pinger's PING, the meter's INFO and SLOWLOG, EXEC (a transaction's
    /// commands count themselves), and the bench producer's JSON.SET and XADD (Scout sends neither; the indexing of a
    /// document is part of its JSON.SET).
    /// </summary>
    private static readonly HashSet<string> NotMeasured = ["PING", "EXEC", "INFO", "SLOWLOG", "JSON.SET", "XADD"];

    /// <summary>The work's cost; the longest call among those of <paramref name="client"/> (null: any client's).</summary>
    public static async Task<Cost> MeasureAsync(IServer server, ConnectionMultiplexer pinger, Func<Task> work, string? client = "homerun2-scout")
    {
        await server.ExecuteAsync("SLOWLOG", "RESET");
        var before = await CommandStatsAsync(server);
        var (forksBefore, preemptedBefore) = await RedisProcessAsync(server);
        var (wall, ping) = await StackSteps.TimedAsync(pinger, work);
        var after = await CommandStatsAsync(server);
        var (forksAfter, preemptedAfter) = await RedisProcessAsync(server);
        var (longest, command) = await LongestCallAsync(server, client);
        var byCommand = after.ToDictionary(kv => kv.Key, kv => (kv.Value.Calls - before.GetValueOrDefault(kv.Key).Calls,
            kv.Value.Micros - before.GetValueOrDefault(kv.Key).Micros));
        return new Cost(wall, byCommand.Values.Sum(v => v.Item2) / 1000.0, longest, ping, command, forksAfter - forksBefore,
            preemptedBefore < 0 || preemptedAfter < 0 ? -1 : preemptedAfter - preemptedBefore, byCommand);
    }

    /// <summary>Each command's share of the works' Redis time, largest first: "HINCRBY 6.50 ms (1,200 × 0.005 ms); …" per work.</summary>
    public static string ByCommand(IReadOnlyCollection<Cost> costs) => string.Join("; ", costs
        .SelectMany(c => c.ByCommand!)
        .GroupBy(kv => kv.Key)
        .Select(g => (Command: g.Key, Calls: g.Sum(kv => kv.Value.Calls) / (double)costs.Count, Ms: g.Sum(kv => kv.Value.Micros) / 1000.0 / costs.Count))
        .Where(c => c.Calls > 0)
        .OrderByDescending(c => c.Ms)
        .Select(c => $"{c.Command} {c.Ms:F2} ms ({c.Calls:#,0.#} × {c.Ms / c.Calls:F3} ms)"));

    private static async Task<(double Ms, string Command)> LongestCallAsync(IServer server, string? client)
    {
        var longest = 0.0;
        var command = "";
        foreach (var entry in (RedisResult[])(await server.ExecuteAsync("SLOWLOG", "GET", "-1"))!)
        {
            var fields = (RedisResult[])entry!;
            var name = fields.Length > 5 ? fields[5].ToString() : "";
            var args = (RedisResult[])fields[3]!;
            if ((client is not null && name != client) || NotMeasured.Contains(args.FirstOrDefault()?.ToString().ToUpperInvariant() ?? "")) continue;
            var ms = (long)fields[2] / 1000.0;
            if (ms <= longest) continue;
            longest = ms;
            command = string.Join(' ', args.Take(2).Select(a => a.ToString()));
        }
        return (longest, command);
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

    /// <summary>Calls and usec so far of each measured command (INFO commandstats).</summary>
    private static async Task<Dictionary<string, (long Calls, long Micros)>> CommandStatsAsync(IServer server)
    {
        var stats = new Dictionary<string, (long Calls, long Micros)>();
        foreach (var line in ((string)(await server.ExecuteAsync("INFO", "commandstats"))!).Split('\n'))
        {
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal)) continue;
            var parts = line.Trim().Split(':', 2);
            var name = parts[0]["cmdstat_".Length..].ToUpperInvariant();
            if (NotMeasured.Contains(name)) continue;
            long Field(string field) => long.Parse(parts[1].Split(',').First(p => p.StartsWith(field + "=", StringComparison.Ordinal))[(field.Length + 1)..],
                CultureInfo.InvariantCulture);
            stats[name] = (Field("calls"), Field("usec"));
        }
        return stats;
    }
}
