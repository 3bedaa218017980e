using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Scout.Counting;
using Scout.Samples.Producer;
using Scout.Tests.Contract;
using Scout.Tests.Infrastructure;
using Scout.Tests.Integration.Service;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Scout.Tests.Integration.Crash;

/// <summary>
/// Scout as a real process, killed with SIGKILL between reading a page of the stream's new entries (XRANGE, JSON.MGET
/// of the documents, HMGET of the records it holds) and that page's transaction (the counts and the cursor in one
/// MULTI/EXEC): a new process on the same Redis serves, for every window, exactly a recount of the documents.
/// <para>
/// No hook in Scout holds it in the gap: CLIENT PAUSE WRITE does. Redis goes on running reads (and WATCH, MULTI) and
/// holds back the first write it is sent, which for a page's transaction is the version's HINCRBY queued after MULTI
/// (Redis 7.0 and 8.8 hold that one, not EXEC: CLIENT LIST shows the client in MULTI and blocked, <c>flags=xb</c>,
/// <c>cmd=hincrby</c>). The new messages are written in one transaction, three pages of them, so no cycle ends inside
/// them: once the cursor stands inside them, the cycle counting them has committed a page and goes on to the next, and
/// Scout's next write is that page's transaction (no timer lease or window slide comes between pages; when Scout got to
/// the end before the pause took hold, it is held at the snapshots' MSET instead, and the attempt is made again).
/// MONITOR shows what Scout ran up to the write it is held at: the XRANGE after its stored cursor, the JSON.MGET, the
/// HMGETs, WATCH, the version's HGET and MULTI.
/// </para>
/// </summary>
[Trait(ScoutProcess.Trait, ScoutProcess.SelfHost)]
public sealed partial class KilledBetweenReadAndCommitTests(ITestOutputHelper output)
{
    private const string Token = "crash-token-6d2f91";

    /// <summary>The sample producer's index and stream, which Scout reads by default (REDISEARCH_INDEX, SCOUT_STREAM).</summary>
    private const string Stream = "messages";

    private const string ClientName = "homerun2-scout";

    /// <summary>SCOUT_WINDOWS below with the alert window (ALERT_WINDOW, 5m by default), and all.</summary>
    private static readonly string[] Windows = ["all", "5m", "1h", "24h"];

    /// <summary>Three pages: the pause lands after the first page's transaction, before a later one's.</summary>
    private const int BatchSize = 3 * StreamCatchUp.PageSize;

    /// <summary>Of the batch, every this many entries name an existing document, overwritten (the page must undo its old record).</summary>
    private const int OverwriteEvery = 25;

    private const int Attempts = 6;

    private static readonly string[] Severities = ["info", "INFO", "Info", "warning", "WARNING", "error", "ERROR", "critical", "Critical", "success"];
    private static readonly string[] Systems = ["api-gateway", "billing", "auth", "worker-pool", "edge-proxy", "search", "mailer", "scheduler"];

    private readonly Random _random = new(17);

    private static (string Key, string Value)[] ScoutEnvironment(int port) =>
    [
        ("REDIS_ADDR", "127.0.0.1"), ("REDIS_PORT", port.ToString(CultureInfo.InvariantCulture)),
        .. AclRedisStack.ScoutEnvironment.Select(e => (e.Key, e.Value!)),
        ("SCOUT_INTERVAL", "1s"), ("SCOUT_WINDOWS", "1h,24h"),
        // Nothing but the stream may bring the counts back: no retention run, no reconciliation while the test runs.
        ("SCOUT_RETENTION_ENABLED", "false"), ("SCOUT_RECONCILE_INTERVAL", "24h"),
        ("LOG_LEVEL", "info"),
    ];

    [RedisStackModulesFact]
    public async Task After_a_SIGKILL_between_reading_a_page_and_its_transaction_a_new_process_serves_a_recount_of_every_window()
    {
        await using var stack = await AclRedisStack.StartAsync();
        var db = stack.Database;
        var producer = new SampleProducer(db, new ProducerOptions(Index: Stream, Stream: Stream, Rate: 200, Systems: 12,
            Duration: TimeSpan.FromSeconds(1), Seed: 5, Backfill: 300, BackfillSpan: TimeSpan.FromHours(20)), TimeProvider.System);
        await producer.RunAsync(CancellationToken.None);

        Killed killed;
        await using (var first = SelfHostHttp.Start(Token, output, ScoutEnvironment(stack.Port)))
        {
            await first.EventuallyServedAsync("/analytics/summary", producer.Report.Total, seconds: 60);
            killed = await KillBetweenReadAndCommitAsync(stack, first);
        }

        // More messages while no Scout runs.
        await producer.RunAsync(CancellationToken.None);
        var documents = await ReadDocumentsAsync(db);
        var stream = await db.StreamInfoAsync(Stream);
        // The recount reads every document: one per stream entry but the overwrites (one batch per attempt).
        Assert.Equal(documents.Count, stream.Length - BatchSize / OverwriteEvery * killed.Attempt);
        var toCount = stream.EntriesAdded - killed.Sequence;

        await using var second = SelfHostHttp.Start(Token, output, ScoutEnvironment(stack.Port));
        await EventuallyServesRecountAsync(second, documents);

        // It counted from the cursor the killed process left: every entry after it once, and no full pass.
        var metrics = await second.Client.GetStringAsync("/metrics");
        Assert.Contains("# TYPE homerun2_scout_full_passes_total counter", metrics);
        Assert.Equal(0, MetricValues(metrics, "homerun2_scout_full_passes_total").Sum());
        Assert.Equal(toCount, MetricValues(metrics, "homerun2_scout_stream_entries_counted_total").Sum());
        output.WriteLine($"killed at attempt {killed.Attempt}; CLIENT LIST: {killed.ClientLine}");
        output.WriteLine($"the new process counted {toCount} stream entries after position {killed.Position}; {documents.Count} documents");
    }

    /// <summary>What the kill left: Scout's CLIENT LIST line, its cursor (entry id and number), the attempt it took.</summary>
    private sealed record Killed(string ClientLine, string Position, long Sequence, int Attempt);

    /// <summary>
    /// Writes a batch and pauses writes once Scout has committed a page of it; when Scout is then held at the next page's
    /// transaction, kills it there and checks Redis drops that transaction with the connection. Else lets it go on and
    /// tries again.
    /// </summary>
    private async Task<Killed> KillBetweenReadAndCommitAsync(OwnedRedisServer stack, SelfHostHttp scout)
    {
        var db = stack.Database;
        await using var monitor = await CommandMonitor.StartAsync(stack.Port, AclRedisStack.AdminPassword);
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            // Scout's cursor at the stream's end: nothing of the batch read yet.
            await Messages.EventuallyAsync(async () => await PositionAsync(db) == (await db.StreamInfoAsync(Stream)).LastGeneratedId.ToString(),
                "Scout counted the stream to its end", seconds: 30);
            var (firstId, lastId, fresh) = await WriteBatchAsync(db);

            // Wait for the cursor to stand inside the batch: a page of it committed, a later one not yet.
            string position;
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (true)
            {
                Assert.False(scout.Process.HasExited, "Scout exited");
                position = (await PositionAsync(db))!;
                if (StreamFollower.Compare(position, firstId) >= 0) break;
                Assert.True(DateTime.UtcNow < deadline, $"Scout counted nothing of the batch within 20 s (position {position}, batch {firstId}..{lastId})");
                await Task.Delay(1);
            }
            if (StreamFollower.Compare(position, lastId) >= 0)
            {
                output.WriteLine($"attempt {attempt}: Scout counted the whole batch between two looks at its cursor");
                continue;
            }

            await db.ExecuteAsync("CLIENT", "PAUSE", "30000", "WRITE");
            var paused = true;
            try
            {
                var client = await HeldScoutClientAsync(db);
                var held = await ReadCursorAsync(db);
                if (!IsCountsTransaction(client) || StreamFollower.Compare(held.Position, lastId) >= 0)
                {
                    output.WriteLine($"attempt {attempt}: Scout was held elsewhere (cursor {held.Position}, batch {firstId}..{lastId}): {client.Line}");
                    continue;
                }

                // Held at a page's transaction: what it ran since its last EXEC (the previous page's transaction) is the
                // read of the page after its stored cursor, and the transaction's start.
                List<MonitoredCommand> since = [];
                await Messages.EventuallyAsync(() =>
                {
                    var all = monitor.Of(client.Fields["addr"]).ToList();
                    since = all.Skip(all.FindLastIndex(c => c.Name == "EXEC") + 1).ToList();
                    return Task.FromResult(since.Count > 0 && since[^1].Name == "MULTI");
                }, "MONITOR shows MULTI as the last command Scout ran", seconds: 5);
                // Runs of one command (the HMGET of each records shard) shown once, with their length.
                var shown = string.Join("\n  ", since.Select((c, i) => (c, i))
                    .Where(p => p.i == 0 || since[p.i - 1].Name != p.c.Name)
                    .Select(p => p.c + (since.Skip(p.i).TakeWhile(n => n.Name == p.c.Name).Count() is > 1 and var run ? $" (and {run - 1} more)" : "")));
                output.WriteLine($"attempt {attempt}: Scout held at {client.Line}\n  cursor {held.Position} (entry {held.Sequence}), batch {firstId}..{lastId}; " +
                    $"Scout's commands since its last EXEC:\n  {shown}");
                var xrange = since.FindIndex(c => c.Name == "XRANGE");
                Assert.True(xrange >= 0, "Scout read no page of the stream before its transaction:\n  " + shown);
                Assert.Equal(["XRANGE", Stream, "(" + held.Position, "+", "COUNT", StreamCatchUp.PageSize.ToString(CultureInfo.InvariantCulture)],
                    since[xrange].Words.Select((w, i) => i == 0 ? w.ToUpperInvariant() : w));
                var mget = since.FindIndex(xrange, c => c.Name == "JSON.MGET");
                Assert.True(mget > xrange, "Scout read no document of the page:\n  " + shown);
                var hmget = since.FindIndex(mget, c => c.Name == "HMGET");
                Assert.True(hmget > mget, "Scout read no record it holds of the page's documents:\n  " + shown);
                Assert.Equal(["WATCH", "HGET", "MULTI"], since.TakeLast(3).Select(c => c.Name));
                Assert.Equal([CountKeys.State, StateFields.Version], since[^2].Words.Skip(1));

                // The page is not counted: none of its new documents is among Scout's records.
                var page = await db.StreamRangeAsync(Stream, "(" + held.Position, "+", StreamCatchUp.PageSize);
                var pageFresh = page.Select(e => e[StreamFollower.MessageIdField].ToString()).Where(fresh.Contains).ToList();
                Assert.NotEmpty(pageFresh);
                var live = new CountKeys(held.Live);
                foreach (var document in pageFresh) Assert.False(await db.HashExistsAsync(live.Records(document), document), $"{document} is counted");

                await scout.Process.KillAsync();
                Assert.Equal(128 + 9, scout.Process.ExitCode); // SIGKILL
                // Redis drops the dead client's connection, and the transaction it held back with it, while still paused.
                await Messages.EventuallyAsync(async () => !(await ClientsAsync(db)).Any(c => c.Fields.GetValueOrDefault("name") == ClientName),
                    "Redis dropped the killed Scout's connection", seconds: 10);
                await db.ExecuteAsync("CLIENT", "UNPAUSE");
                paused = false;
                Assert.Equal(held, await ReadCursorAsync(db)); // the held transaction never ran
                return new Killed(client.Line, held.Position, held.Sequence, attempt);
            }
            finally
            {
                if (paused) await db.ExecuteAsync("CLIENT", "UNPAUSE");
            }
        }
        Assert.Fail($"in {Attempts} attempts Scout was never held at a page's transaction (see the output)");
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>
    /// A transaction on Scout's counts, held by the pause: the client is in MULTI and blocked (flags x and b), at the
    /// version's HINCRBY it queues first (or at EXEC, should a Redis hold the transaction there).
    /// </summary>
    private static bool IsCountsTransaction(Client client) =>
        client.Fields["flags"].Contains('x') && client.Fields["flags"].Contains('b') && client.Fields["cmd"] is "hincrby" or "exec";

    /// <summary>Scout's one connection held by the pause, once it is (CLIENT LIST: flag b).</summary>
    private async Task<Client> HeldScoutClientAsync(IDatabase db)
    {
        Client? held = null;
        await Messages.EventuallyAsync(async () =>
        {
            var scout = (await ClientsAsync(db)).Where(c => c.Fields.GetValueOrDefault("name") == ClientName).ToList();
            held = scout.SingleOrDefault(c => c.Fields["flags"].Contains('b'));
            return held is not null;
        }, "Scout's connection is held by CLIENT PAUSE WRITE", seconds: 10);
        return held!;
    }

    private sealed record Client(string Line, IReadOnlyDictionary<string, string> Fields);

    private static async Task<List<Client>> ClientsAsync(IDatabase db) =>
        (await db.ExecuteAsync("CLIENT", "LIST")).ToString()!.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => new Client(line, line.Split(' ').Select(f => f.Split('=', 2)).Where(f => f.Length == 2)
                .GroupBy(f => f[0]).ToDictionary(g => g.Key, g => g.First()[1])))
            .ToList();

    private static async Task<string?> PositionAsync(IDatabase db) => (await db.HashGetAsync(CountKeys.State, StateFields.Position)).ToString();

    private sealed record Cursor(string Position, long Sequence, long Version, long Live);

    private static async Task<Cursor> ReadCursorAsync(IDatabase db)
    {
        var state = await db.HashGetAsync(CountKeys.State, [StateFields.Position, StateFields.Sequence, StateFields.Version, StateFields.Live]);
        return new Cursor(state[0].ToString(), (long)state[1], (long)state[2], (long)state[3]);
    }

    /// <summary>
    /// The batch in one transaction (Scout reads all of it or none of it): producer-shaped documents and their stream
    /// entries, every <see cref="OverwriteEvery"/>th one an existing document written anew. Returns the first and last
    /// entry's id and the keys of the new documents.
    /// </summary>
    private async Task<(string First, string Last, HashSet<string> Fresh)> WriteBatchAsync(IDatabase db)
    {
        var existing = (await ReadDocumentsAsync(db)).Keys.Order(StringComparer.Ordinal).ToList();
        var fresh = new HashSet<string>(StringComparer.Ordinal);
        var now = DateTimeOffset.UtcNow;
        var transaction = db.CreateTransaction();
        var ids = new List<Task<RedisValue>>(BatchSize);
        for (var i = 0; i < BatchSize; i++)
        {
            var system = Systems[_random.Next(Systems.Length)];
            string key;
            if (i % OverwriteEvery == OverwriteEvery - 1) key = existing[_random.Next(existing.Count)];
            else fresh.Add(key = $"{Guid.NewGuid()}-{system}");
            // Ages that fill every window: the last minutes, the last hour, the last 20 hours.
            var age = TimeSpan.FromSeconds(_random.NextDouble() * ((i % 3) switch { 0 => 240, 1 => 3000, _ => 72000 }));
            var severity = Severities[_random.Next(Severities.Length)];
            var document = JsonSerializer.Serialize(new
            {
                title = $"{severity} from {system}",
                message = "written by the crash test",
                severity,
                author = "crash-test",
                timestamp = (now - age).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                system,
                tags = "crash",
            });
            _ = transaction.ExecuteAsync("JSON.SET", key, "$", document);
            ids.Add(transaction.StreamAddAsync(Stream, StreamFollower.MessageIdField, key));
        }
        Assert.True(await transaction.ExecuteAsync());
        return ((await ids[0]).ToString(), (await ids[^1]).ToString(), fresh);
    }

    /// <summary>A message as the recount reads it: lower-cased severity, system, Unix seconds of its timestamp.</summary>
    private sealed record Document(string Severity, string System, long Unix);

    /// <summary>Every document in Redis (the only JSON keys: Scout's own keys are hashes, sets and strings), read back.</summary>
    private static async Task<Dictionary<string, Document>> ReadDocumentsAsync(IDatabase db)
    {
        var keys = new List<RedisKey>();
        var cursor = "0";
        do
        {
            var page = (RedisResult[])(await db.ExecuteAsync("SCAN", cursor, "COUNT", "1000", "TYPE", "ReJSON-RL"))!;
            cursor = page[0].ToString();
            keys.AddRange(((RedisResult[])page[1]!).Select(k => (RedisKey)k.ToString()));
        } while (cursor != "0");
        var documents = new Dictionary<string, Document>(StringComparer.Ordinal);
        foreach (var chunk in keys.Chunk(500))
        {
            var values = (RedisResult[])(await db.ExecuteAsync("JSON.MGET", [.. chunk.Select(k => (object)k), "$"]))!;
            for (var i = 0; i < chunk.Length; i++)
            {
                var json = JsonDocument.Parse(values[i].ToString()!).RootElement[0];
                var timestamp = DateTimeOffset.Parse(json.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
                documents[chunk[i].ToString()] = new Document(json.GetProperty("severity").GetString()!.ToLowerInvariant(),
                    json.GetProperty("system").GetString()!, timestamp.ToUnixTimeSeconds());
            }
        }
        return documents;
    }

    /// <summary>Until every window Scout serves equals a recount of <paramref name="documents"/> from the window's start.</summary>
    private async Task EventuallyServesRecountAsync(SelfHostHttp scout, Dictionary<string, Document> documents)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var differences = new List<string>();
        while (true)
        {
            Assert.False(scout.Process.HasExited, "Scout exited");
            differences.Clear();
            foreach (var window in Windows) differences.Add(await CompareAsync(scout, window, documents) ?? "");
            differences.RemoveAll(d => d.Length == 0);
            if (differences.Count == 0) return;
            Assert.True(DateTime.UtcNow < deadline, "within 60 s, not every window served equals the recount:\n" + string.Join("\n", differences));
            await Task.Delay(250);
        }
    }

    /// <summary>How the window served differs from the recount (null: it does not): its total, severities and systems.</summary>
    private static async Task<string?> CompareAsync(SelfHostHttp scout, string window, Dictionary<string, Document> documents)
    {
        async Task<JsonElement?> GetAsync(string path)
        {
            try
            {
                var answer = await scout.Client.SendAsync(scout.Get(path + "?window=" + window));
                return answer.StatusCode == HttpStatusCode.OK ? await HttpJson.ReadAsync(answer) : null;
            }
            catch (HttpRequestException)
            {
                return null; // not listening yet
            }
        }
        // The systems read between two summaries of the same window start: all three of one set of counts.
        var before = await GetAsync("/analytics/summary");
        var systems = await GetAsync("/analytics/systems");
        var after = await GetAsync("/analytics/summary");
        if (before is not { } summary || systems is not { } bySystem || after is not { } again) return $"{window}: no snapshot yet";
        string? Start(JsonElement s) => s.TryGetProperty("windowStart", out var start) && start.ValueKind == JsonValueKind.String ? start.GetString() : null;
        static string Counts(JsonElement s) => s.GetProperty("totalMessages").GetInt64() + " " + s.GetProperty("severityCounts").GetRawText();
        if (Start(summary) != Start(again) || Counts(summary) != Counts(again)) return $"{window}: the counts moved while read";
        long? from = Start(summary) is { } text ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture).ToUnixTimeSeconds() : null;
        Assert.Equal(window == "all", from is null);

        var inWindow = documents.Values.Where(d => from is null || d.Unix >= from).ToList();
        var severities = inWindow.GroupBy(d => d.Severity).ToDictionary(g => g.Key, g => (long)g.Count());
        var bySystemExpected = inWindow.GroupBy(d => d.System).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.True(bySystemExpected.Count <= 20, "the systems view lists the top 20: the recount must fit in it");
        var servedSeverities = summary.GetProperty("severityCounts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        var servedSystems = bySystem.GetProperty("systems").EnumerateArray()
            .ToDictionary(s => s.GetProperty("system").GetString()!, s => s.GetProperty("count").GetInt64());
        var served = (Total: summary.GetProperty("totalMessages").GetInt64(), Severities: Show(servedSeverities), Systems: Show(servedSystems),
            SystemsTotal: bySystem.GetProperty("total").GetInt32());
        var expected = (Total: (long)inWindow.Count, Severities: Show(severities), Systems: Show(bySystemExpected), SystemsTotal: bySystemExpected.Count);
        return served == expected ? null : $"{window} (from {Start(summary) ?? "the first message"}): served {served}, recount {expected}";
    }

    private static string Show(Dictionary<string, long> counts) =>
        string.Join(",", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"));

    /// <summary>The values of a metric's samples in the Prometheus text (none when it has no sample yet).</summary>
    private static IEnumerable<double> MetricValues(string metrics, string name) =>
        MetricLine().Matches(metrics).Where(m => m.Groups["name"].Value == name)
            .Select(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^(?<name>[a-z_0-9]+)(\{[^}]*\})? (?<value>\S+)$", RegexOptions.Multiline)]
    private static partial Regex MetricLine();
}
