using Microsoft.Extensions.DependencyInjection;
using Scout.Retention;
using Scout.Search;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Retention;

/// <summary>The real app's RetentionPruner over a plain redis-server; retention runs only when a test asks.</summary>
internal static class RetentionApp
{
    public const string Stream = "messages";

    /// <summary>
    /// TTL 1h; every timer waits an hour and aggregation is off, so nothing else touches Redis
    /// (command statistics stay the pruner's own).
    /// </summary>
    public static async Task<ScoutApp> StartAsync(RedisServerFixture redis, ISearchIndex index, params (string Key, string? Value)[] overrides)
    {
        // A fresh deployment: no counts of an earlier test's app, so the first cycle's full pass learns this test's messages.
        var server = redis.Connection.GetServers().First();
        await foreach (var key in server.KeysAsync(pattern: Scout.Redis.ScoutKeys.Prefix + "count:*")) await redis.Database.KeyDeleteAsync(key);
        return await ScoutApp.StartAsync(ScoutApp.Settings(redis.Port,
        [
            ("SCOUT_RETENTION_ENABLED", "true"),
            ("SCOUT_RETENTION_TTL", "1h"),
            ("SCOUT_RETENTION_SCHEDULE", "1h"),
            ("SCOUT_STREAM", Stream),
            ("AzureWebJobs.AggregateAnalytics.Disabled", "true"),
            .. overrides,
        ]), index);
    }

    /// <summary>
    /// Counts what is there (retention deletes only documents Scout's counts learned of, from the stream or a full pass),
    /// then runs retention once.
    /// </summary>
    public static async Task<RetentionRun> PruneAsync(this ScoutApp app, CancellationToken cancellationToken = default)
    {
        await app.CountAsync();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(20));
        return await app.Services.GetRequiredService<RetentionPruner>().RunAsync(bound.Token);
    }

    public static RetentionPruner Pruner(this ScoutApp app) => app.Services.GetRequiredService<RetentionPruner>();

    /// <summary>The counting of one aggregation cycle (a full pass the first time, the stream's new entries after), without the snapshots.</summary>
    public static async Task CountAsync(this ScoutApp app)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var definition = await app.Services.GetRequiredService<ISearchIndex>().EnsureIndexAsync(bound.Token);
        await app.Services.GetRequiredService<Scout.Counting.MessageCounter>().RunAsync(definition, bound.Token);
    }

    public static Task<string> AddAgedAsync(this RedisServerFixture redis, TimeSpan age, string severity = "info") =>
        Messages.AddAsync(redis.Database, severity, "api-gateway", DateTimeOffset.UtcNow - age);

    public static async Task<List<string>> AddAgedAsync(this RedisServerFixture redis, int count, TimeSpan age)
    {
        var keys = new List<string>();
        for (var i = 0; i < count; i++) keys.Add(await redis.AddAgedAsync(age));
        return keys;
    }

    public static async Task<HashSet<string>> KeysAsync(this RedisServerFixture redis)
    {
        var server = redis.Connection.GetServers().First();
        var keys = new HashSet<string>();
        // Scout's counts ({scout}:count:) are its bookkeeping, written by the cycle each run starts with.
        await foreach (var key in server.KeysAsync(pattern: "*"))
            if (!key.ToString().StartsWith(Scout.Redis.ScoutKeys.Prefix + "count:", StringComparison.Ordinal)) keys.Add(key!);
        return keys;
    }

    /// <summary>Calls of a command since the last CONFIG RESETSTAT, from INFO commandstats (0 when never called).</summary>
    public static async Task<long> CommandCallsAsync(this RedisServerFixture redis, string command)
    {
        var info = (string)(await redis.Database.ExecuteAsync("INFO", "commandstats"))!;
        var line = info.Split('\n').FirstOrDefault(l => l.StartsWith($"cmdstat_{command}:", StringComparison.Ordinal));
        if (line is null) return 0;
        var calls = line.Split(':', 2)[1].Split(',').First(p => p.StartsWith("calls=", StringComparison.Ordinal));
        return long.Parse(calls["calls=".Length..]);
    }

    public static Task ResetCommandStatsAsync(this RedisServerFixture redis) => redis.Database.ExecuteAsync("CONFIG", "RESETSTAT");
}

/// <summary>Cancels the run's token as it answers read <paramref name="page"/> (1-based) of retention's batches: a shutdown arriving mid-run.</summary>
internal sealed class CancelOnPageIndex(ISearchIndex inner, CancellationTokenSource cancel, int page) : ISearchIndex
{
    private int _served;

    public Task<IndexDefinition> EnsureIndexAsync(CancellationToken cancellationToken) => inner.EnsureIndexAsync(cancellationToken);

    public async Task<IReadOnlyList<MessageFields>> ReadAsync(IndexDefinition index, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var found = await inner.ReadAsync(index, keys, cancellationToken);
        if (++_served == page) await cancel.CancelAsync();
        return found;
    }

    public IAsyncEnumerable<IReadOnlyList<MessageFields>> ScanAsync(IndexDefinition index, int pageSize, CancellationToken cancellationToken) =>
        inner.ScanAsync(index, pageSize, cancellationToken);
}
