using System.Globalization;
using System.Text.Json;
using FunctionsSelfHost.Timers;
using FunctionsSelfHost.Storage;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Logging;
using Scout.Configuration;
using Scout.Redis;
using Scout.Search;
using Scout.Tests.Contract;
using Scout.Tests.Infrastructure;
using Scout.Tests.Integration.Service;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Scout.Tests.Integration.Acl;

/// <summary>
/// The whole app on a real engine as the user README's ACL line for that engine creates, and nothing more: two replicas
/// aggregate, alert once between them, prune expired messages and trim the stream, share leases. On Redis Stack they
/// create the producer's index and drop the own index an earlier Scout left (SCOUT_OWN_INDEX); Redis 8's line grants no
/// FT.CREATE or FT.DROPINDEX, so there the producer's index exists first (the producer creates it) and none is left.
/// Redis' ACL LOG must stay empty. And the ACL really restricts: what Scout does not need fails with NOPERM.
/// </summary>
[Trait("Category", "Contract")]
public sealed class ScoutAclTests(ITestOutputHelper output)
{
    private const string Index = "messages";

    [RedisStackModulesFact]
    [Trait(ScoutProcess.Trait, ScoutProcess.SelfHost)]
    public async Task Two_replicas_run_every_function_as_the_documented_acl_user_without_one_denial()
    {
        await using var stack = await AclRedisStack.StartAsync();
        await using var pitcher = await FakePitcher.StartAsync();
        // Redis 8's line grants no FT.CREATE or FT.DROPINDEX: an own index left by an earlier Scout is tried on Redis Stack only.
        var leftover = !AclRedisStack.Engine.IsRedis8;
        var settings = ScoutApp.Settings(stack.Port, [.. AclRedisStack.ScoutEnvironment,
            ("SCOUT_INTERVAL", "1s"), ("ALERT_SCHEDULE", "1s"), ("SCOUT_RETENTION_SCHEDULE", "1s"), ("SCOUT_RETENTION_TTL", "24h"),
            ("ALERT_PITCHER_URL", pitcher.BaseUrl), ("ALERT_ERROR_THRESHOLD", "2"), ("ALERT_WINDOW", "1h"), ("ALERT_COOLDOWN", "1h"),
            ("ALERT_TIMEOUT", "2s"), ("ALERT_RETRIES", "1")]);

        // On Redis Stack Scout itself creates the producer's index (missing on a fresh Redis) on the first cycle, and drops
        // the one an earlier Scout kept of its own. On Redis 8 the producer has created its index, as it does before its
        // first message.
        if (leftover)
            await stack.Database.ExecuteAsync("FT.CREATE", "scout_" + Index, "ON", "JSON", "SCHEMA", "$.severity", "AS", "severity", "TAG", "SORTABLE");
        else
            await CreateProducerIndexAsync(stack.Database);
        await using var first = await ScoutApp.StartAsync(settings, output: output);
        await using var second = await ScoutApp.StartAsync(settings, output: output);
        await Messages.EventuallyAsync(async () => await IndexesAsync(stack) is { } list && list.Contains(Index) && !list.Contains("scout_" + Index),
            leftover ? "the first cycles create the producer's index and drop the earlier Scout's own" : "the producer's index is the only one", seconds: 30);

        var now = DateTimeOffset.UtcNow;
        var live = new[] { ("error", now.AddMinutes(-1)), ("ERROR", now.AddMinutes(-2)), ("Error", now.AddMinutes(-3)), ("info", now.AddHours(-2)) };
        var expired = new[] { ("error", now.AddDays(-3)), ("critical", now.AddDays(-2)) };
        var liveKeys = await SeedAsync(stack.Database, live);
        var expiredKeys = await SeedAsync(stack.Database, expired);
        // As the producer appends each message's key: one entry older than the TTL (trimmed by retention), the others now.
        await stack.Database.StreamAddAsync(Index, "messageID", expiredKeys[0], $"{now.AddDays(-3).ToUnixTimeMilliseconds()}-0");
        foreach (var key in expiredKeys.Skip(1).Concat(liveKeys)) await stack.Database.StreamAddAsync(Index, "messageID", key);

        await Messages.EventuallyAsync(async () => !await AnyExistsAsync(stack.Database, expiredKeys)
                && await stack.Database.StreamLengthAsync(Index) == live.Length + expired.Length - 1,
            "retention deletes the expired messages and trims the stream", seconds: 30);
        Assert.True(await AllExistAsync(stack.Database, liveKeys), "retention keeps the live messages");
        foreach (var replica in new[] { first, second })
            await Messages.EventuallyAsync(async () => await SummaryAsync(replica) is { } s
                    && s.GetProperty("totalMessages").GetInt64() == live.Length && await SourceAsync(replica) == "producer",
                "each replica serves the live messages", seconds: 30);
        var hour = await SummaryAsync(first, "?window=1h");
        Assert.Equal(3, hour!.Value.GetProperty("severityCounts").GetProperty("error").GetInt64());

        // One pitch per rule between the two replicas: the cooldown keys are shared.
        await Messages.EventuallyAsync(() => Task.FromResult(pitcher.Requests.Count >= 1), "the error threshold pitches", seconds: 30);
        await Task.Delay(TimeSpan.FromSeconds(3));
        foreach (var request in pitcher.Requests) output.WriteLine($"pitched {request.At:O}: {request.Body}");
        var rules = pitcher.Requests.GroupBy(r => r.Json.GetProperty("tags").GetString()).ToList();
        Assert.Contains(rules, r => r.Key == "scout,threshold,error");
        Assert.All(rules, rule => Assert.Single(rule));

        // The leases the replicas' timers take are one between them: their store (Redis under Scout's prefix, as no
        // AzureWebJobsStorage is set) on two connections of Scout's own, as the ACL user. Not the apps' services, so the
        // test runs against the native self-host too.
        await using var firstConnection = AsScoutUser(stack);
        await using var secondConnection = AsScoutUser(stack);
        var firstStore = new RedisTimerStore(() => firstConnection.Database, ScoutKeys.Prefix);
        var secondStore = new RedisTimerStore(() => secondConnection.Database, ScoutKeys.Prefix);
        await using (var lease = await firstStore.TryAcquireLeaseAsync("AclShared", TimeSpan.FromSeconds(30)))
        {
            Assert.NotNull(lease);
            Assert.Null(await secondStore.TryAcquireLeaseAsync("AclShared", TimeSpan.FromSeconds(30)));
            Assert.True(await lease.RenewAsync());
        }
        await using (var taken = await secondStore.TryAcquireLeaseAsync("AclShared", TimeSpan.FromSeconds(30)))
            Assert.NotNull(taken);
        Assert.Equal("succeeded", (await secondStore.GetRecordAsync("PruneRetention"))?.LastOutcome);

        // Every connection the replicas opened logged in as Scout's user.
        var clients = (await stack.Database.ExecuteAsync("CLIENT", "LIST")).ToString()!.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var scoutClients = clients.Where(c => c.Contains(" name=homerun2-scout ")).ToList();
        Assert.NotEmpty(scoutClients);
        Assert.All(scoutClients, c => Assert.Contains($" user={DocumentedAcl.User} ", c));

        await first.DisposeAsync();
        await second.DisposeAsync();
        var apps = new List<ScoutApp> { first, second };
        Assert.Contains(Index, await IndexesAsync(stack));
        Assert.True(await AllExistAsync(stack.Database, liveKeys));
        foreach (var app in apps)
        {
            Assert.DoesNotContain(app.Logs.Entries, e => e.Level >= LogLevel.Error);
            Assert.DoesNotContain(app.Logs.Entries, e => e.Message.Contains(AclRedisStack.ScoutPassword) || e.Details.Contains(AclRedisStack.ScoutPassword));
        }

        var denials = await stack.DenialsAsync();
        foreach (var denial in denials) output.WriteLine("denied: " + denial);
        Assert.Empty(denials);
    }

    [RedisStackModulesFact]
    public async Task What_scout_does_not_need_is_refused_with_noperm()
    {
        await using var stack = await AclRedisStack.StartAsync();
        var message = (await SeedAsync(stack.Database, [("error", DateTimeOffset.UtcNow)]))[0];
        await stack.Database.StreamAddAsync(Index, "messageID", message);
        await stack.Database.ExecuteAsync("FT.CREATE", "scout_" + Index, "ON", "JSON", "SCHEMA", "$.severity", "AS", "severity", "TAG");
        await using var scout = await RawRedisClient.ConnectAsync(stack.Port);
        Assert.Equal("+OK", await scout.SendAsync("AUTH", DocumentedAcl.User, AclRedisStack.ScoutPassword));

        // Granted, as a control: the refusals below are the ACL's, not a failed login.
        Assert.Equal("+OK", await scout.SendAsync("SET", ScoutKeys.Prefix + "probe", "1"));
        // What KEDA's redis-streams scaler sends as the same user.
        Assert.Equal(":1", await scout.SendAsync("XLEN", Index));
        string[][] refused =
        [
            ["KEYS", "*"], ["FLUSHALL"], ["FLUSHDB"], ["CONFIG", "GET", "maxmemory"], ["INFO"],
            ["ACL", "LIST"], ["MONITOR"], ["SCAN", "0"], ["SUBSCRIBE", "__Booksleeve_MasterChanged"], ["EVAL", "return 1", "0"],
            ["GET", message], ["JSON.GET", message], ["DEL", message], ["SET", message, "x"], ["EXPIRE", message, "1"],
            ["SET", Index, "x"], ["XADD", Index, "*", "messageID", "x"], ["XREAD", "STREAMS", Index, "0"],
            ["XDEL", Index, "0-1"], ["FT.DROPINDEX", Index], ["FT.CREATE", "other", "ON", "JSON", "SCHEMA", "$.a", "AS", "a", "TEXT"],
            ["SET", "other", "x"], ["GET", "{other}:snapshot:all"],
        ];
        string[][] otherIndex = [["FT.SEARCH", "other", "*"], ["FT.INFO", "other"]];
        if (AclRedisStack.Engine.IsRedis8)
        {
            // Redis 8's ACL cannot name an index: its FT reads reach any index whose keys the selector covers (~*). The
            // engine answers for the index, not the ACL.
            foreach (var command in otherIndex)
                Assert.StartsWith("-SEARCH_INDEX_NOT_FOUND", await scout.SendAsync(command));
            // Nor does it drop any index, not even the one Scout kept before.
            refused = [.. refused, ["FT.DROPINDEX", "scout_" + Index]];
        }
        else
        {
            refused = [.. refused, .. otherIndex];
        }
        foreach (var command in refused)
        {
            var reply = await scout.SendAsync(command);
            Assert.True(reply.StartsWith("-NOPERM", StringComparison.Ordinal), $"{string.Join(' ', command)}: {reply}");
        }
        Assert.True(await stack.Database.KeyExistsAsync(message), "a refused delete deleted nothing");
        Assert.Equal(1, await stack.Database.StreamLengthAsync(Index));
        Assert.NotEmpty(await stack.DenialsAsync());
    }

    /// <summary>
    /// An own index an earlier Scout left, as the documented user meets it: Redis Stack's line lets Scout drop it; Redis 8's
    /// grants no FT.DROPINDEX, so it stays and one warning says how to drop it. Either way it is looked for once per process.
    /// </summary>
    [RedisStackModulesFact]
    public async Task A_leftover_own_index_is_dropped_or_reported_once_per_process_as_the_documented_user()
    {
        await using var stack = await AclRedisStack.StartAsync();
        await CreateProducerIndexAsync(stack.Database);
        var leftover = "scout_" + Index;
        await stack.Database.ExecuteAsync("FT.CREATE", leftover, "ON", "JSON", "SCHEMA", "$.severity", "AS", "severity", "TAG", "SORTABLE");
        var options = new ScoutOptions
        {
            Index = Index, RedisAddr = "127.0.0.1", RedisPort = stack.Port, RedisUsername = DocumentedAcl.User, RedisPassword = AclRedisStack.ScoutPassword,
        };
        await using var connection = new RedisConnection(Options.Create(options));
        using var logs = new CapturedLogs();
        using var loggers = LoggerFactory.Create(builder => builder.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        var adapter = new RediSearchIndex(connection, new FixedOptions(options), loggers.CreateLogger<RediSearchIndex>());

        await adapter.EnsureIndexAsync(CancellationToken.None);
        await adapter.EnsureIndexAsync(CancellationToken.None);

        var mayDrop = !AclRedisStack.Engine.IsRedis8;
        Assert.Equal(mayDrop, !(await IndexesAsync(stack)).Contains(leftover));
        var warnings = logs.Entries.Where(e => e.Level == LogLevel.Warning).ToList();
        Assert.Equal(mayDrop ? 0 : 1, warnings.Count);
        Assert.All(warnings, w => Assert.Contains($"drop it once with FT.DROPINDEX {leftover} (without DD", w.Message));
        Assert.Single(logs.Entries, e => e.Message.Contains("not asked again by this process", StringComparison.Ordinal));
    }

    /// <summary>The producer's index, as the homerun2 producers (and samples/Producer) create it: ON JSON, all TEXT, no PREFIX.</summary>
    private static Task CreateProducerIndexAsync(IDatabase admin) =>
        admin.ExecuteAsync("FT.CREATE", Index, "ON", "JSON", "SCHEMA", "$.severity", "AS", "severity", "TEXT",
            "$.system", "AS", "system", "TEXT", "$.timestamp", "AS", "timestamp", "TEXT");

    private static RedisConnection AsScoutUser(OwnedRedisServer stack) => new(Options.Create(new ScoutOptions
    {
        RedisAddr = "127.0.0.1", RedisPort = stack.Port, RedisUsername = DocumentedAcl.User, RedisPassword = AclRedisStack.ScoutPassword,
    }));

    private static async Task<List<string>> SeedAsync(IDatabase db, IEnumerable<(string Severity, DateTimeOffset At)> messages)
    {
        var keys = new List<string>();
        foreach (var (severity, at) in messages)
        {
            // The producer's shape: <uuid>-<system>, a JSON document, RFC 3339 timestamp.
            var key = $"{Guid.NewGuid()}-billing";
            var document = JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["title"] = "t", ["message"] = "m", ["severity"] = severity, ["author"] = "a", ["system"] = "billing", ["tags"] = "",
                ["timestamp"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            });
            await db.ExecuteAsync("JSON.SET", key, "$", document);
            keys.Add(key);
        }
        return keys;
    }

    private static async Task<bool> AnyExistsAsync(IDatabase db, IEnumerable<string> keys) =>
        await db.KeyExistsAsync(keys.Select(k => (RedisKey)k).ToArray()) > 0;

    private static async Task<bool> AllExistAsync(IDatabase db, IReadOnlyCollection<string> keys) =>
        await db.KeyExistsAsync(keys.Select(k => (RedisKey)k).ToArray()) == keys.Count;

    private static async Task<List<string>> IndexesAsync(OwnedRedisServer stack) =>
        ((RedisResult[])(await stack.Database.ExecuteAsync("FT._LIST"))!).Select(r => r.ToString()).ToList();

    private static async Task<JsonElement?> SummaryAsync(ScoutApp app, string query = "")
    {
        var response = await app.Client.SendAsync(app.Get("/analytics/summary" + query));
        return response.IsSuccessStatusCode ? await HttpJson.ReadAsync(response) : null;
    }

    private static async Task<string?> SourceAsync(ScoutApp app)
    {
        var health = await HttpJson.ReadAsync(await app.Client.SendAsync(app.Get("/health")));
        return health.TryGetProperty("aggregation", out var aggregation) ? aggregation.GetProperty("source").GetString() : null;
    }
}
