using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Retention;

/// <summary>XTRIM MINID on the producer's stream: entry IDs are millisecond timestamps, the cut-off is now - TTL (1h).</summary>
[Collection(RedisCollection.Name)]
public sealed class StreamTrimTests(RedisServerFixture redis) : IAsyncLifetime
{
    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Adds one entry per age, oldest first, with the ID the producer's clock would give it.</summary>
    private async Task<List<string>> AddEntriesAsync(IEnumerable<TimeSpan> ages)
    {
        var now = DateTimeOffset.UtcNow;
        var ids = new List<string>();
        foreach (var age in ages.OrderDescending())
        {
            var id = $"{(now - age).ToUnixTimeMilliseconds()}-0";
            await redis.Database.StreamAddAsync(RetentionApp.Stream, "messageID", Guid.NewGuid().ToString(), messageId: id);
            ids.Add(id);
        }
        return ids;
    }

    private async Task<List<string>> RemainingIdsAsync() =>
        (await redis.Database.StreamRangeAsync(RetentionApp.Stream)).Select(e => e.Id.ToString()).ToList();

    [Fact]
    public async Task Exact_trim_removes_exactly_the_entries_older_than_the_cutoff()
    {
        var old = await AddEntriesAsync([TimeSpan.FromHours(3), TimeSpan.FromHours(2), TimeSpan.FromMinutes(61)]);
        var recent = await AddEntriesAsync([TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1)]);
        await using var app = await RetentionApp.StartAsync(redis, new PlainRedisSearchIndex(redis.Database));

        var run = await app.PruneAsync();

        Assert.Equal(old.Count, run.Trimmed);
        Assert.Equal(recent, await RemainingIdsAsync());
        Assert.Equal(old.Count, await MetricsScrape.ValueAsync(app, "homerun2_scout_retention_trimmed_total"));
    }

    [Fact]
    public async Task Approximate_trim_removes_only_whole_old_nodes_and_never_a_newer_entry()
    {
        var original = (string)(await redis.Database.ExecuteAsync("CONFIG", "GET", "stream-node-max-entries"))[1]!;
        try
        {
            // Small radix-tree nodes, so "~" has whole nodes of old entries to drop; 22 old entries leave a mixed node.
            await redis.Database.ExecuteAsync("CONFIG", "SET", "stream-node-max-entries", "4");
            var old = await AddEntriesAsync(Enumerable.Range(0, 22).Select(i => TimeSpan.FromHours(2) + TimeSpan.FromMinutes(i)));
            var recent = await AddEntriesAsync(Enumerable.Range(0, 10).Select(i => TimeSpan.FromMinutes(1 + 5 * i)));
            await using var app = await RetentionApp.StartAsync(redis, new PlainRedisSearchIndex(redis.Database), ("SCOUT_RETENTION_APPROX", "true"));

            var run = await app.PruneAsync();

            // The node holding the last 2 old entries also holds newer ones, so "~" must stop before it.
            Assert.InRange(run.Trimmed, 1, old.Count - 1);
            var remaining = await RemainingIdsAsync();
            Assert.Equal(old.Skip((int)run.Trimmed).Concat(recent), remaining);
        }
        finally
        {
            await redis.Database.ExecuteAsync("CONFIG", "SET", "stream-node-max-entries", original);
        }
    }

    [Fact]
    public async Task A_missing_stream_trims_nothing_and_the_run_still_succeeds()
    {
        var expired = await redis.AddAgedAsync(TimeSpan.FromHours(3));
        await using var app = await RetentionApp.StartAsync(redis, new PlainRedisSearchIndex(redis.Database));

        var run = await app.PruneAsync();

        Assert.Equal((1, 0), (run.Deleted, run.Trimmed));
        Assert.False(await redis.Database.KeyExistsAsync(RetentionApp.Stream));
    }
}
