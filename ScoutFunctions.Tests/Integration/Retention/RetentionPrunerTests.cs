using Scout.Redis;
using Scout.Search;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Retention;

/// <summary>What one retention run deletes and what it must leave alone (TTL 1h).</summary>
[Collection(RedisCollection.Name)]
public sealed class RetentionPrunerTests(RedisServerFixture redis) : IAsyncLifetime
{
    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static readonly TimeSpan Expired = TimeSpan.FromHours(3);
    private static readonly TimeSpan Live = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task Expired_messages_are_deleted_while_live_messages_and_other_keys_stay()
    {
        var expired = await redis.AddAgedAsync(3, Expired);
        var live = await redis.AddAgedAsync(2, Live);
        // Scout's own keys and keys of other applications, some with message-like old timestamps.
        string[] others = ["config", "other:1", ScoutKeys.AlertCooldown("error"), ScoutKeys.Snapshot("all"), ScoutKeys.TimerStatus("PruneRetention")];
        foreach (var key in others.Where(k => k != "other:1")) await redis.Database.StringSetAsync(key, "x");
        await redis.Database.HashSetAsync("other:1", [new("severity", "error"), new("timestamp", "2020-01-01T00:00:00Z")]);
        await using var app = await RetentionApp.StartAsync(redis, new PlainRedisSearchIndex(redis.Database));
        var before = await redis.KeysAsync();

        var run = await app.PruneAsync();

        Assert.Equal(3, run.Deleted);
        Assert.False(run.Bounded);
        Assert.Equal(before.Except(expired).Order(StringComparer.Ordinal), (await redis.KeysAsync()).Order(StringComparer.Ordinal));
        Assert.Subset(await redis.KeysAsync(), new HashSet<string>([.. live, .. others]));
        Assert.Equal(3, await MetricsScrape.ValueAsync(app, "homerun2_scout_retention_deleted_total"));
        Assert.All(expired, key => Assert.False(redis.Database.KeyExists(key)));
    }

    [Fact]
    public async Task An_expired_hash_the_index_does_not_return_survives()
    {
        // Same shape and age as an expired message, but under a prefix the index does not cover.
        await redis.Database.HashSetAsync("legacy:1", [new("severity", "error"), new("system", "s"), new("timestamp", "2020-01-01T00:00:00Z")]);
        var expired = await redis.AddAgedAsync(Expired);
        await using var app = await RetentionApp.StartAsync(redis, new PlainRedisSearchIndex(redis.Database));

        var run = await app.PruneAsync();

        Assert.Equal(1, run.Deleted);
        Assert.False(await redis.Database.KeyExistsAsync(expired));
        Assert.True(await redis.Database.KeyExistsAsync("legacy:1"));
    }

    [Fact]
    public async Task Unparseable_timestamps_are_kept_counted_and_named()
    {
        var expired = await redis.AddAgedAsync(Expired);
        string[] garbage = ["yesterday", "", "not-a-date", "2020-13-45T99:99:99Z"];
        var kept = new List<string>();
        foreach (var timestamp in garbage) kept.Add(await Messages.AddAsync(redis.Database, "error", "s", timestamp));
        await using var app = await RetentionApp.StartAsync(redis, new PlainRedisSearchIndex(redis.Database));

        var run = await app.PruneAsync();

        Assert.Equal(1, run.Deleted);
        Assert.Equal(garbage.Length, run.Unparseable);
        Assert.Equal(kept.Order(), run.UnparseableExamples.Order());
        Assert.All(kept, key => Assert.True(redis.Database.KeyExists(key)));
        Assert.False(await redis.Database.KeyExistsAsync(expired));
        Assert.Equal(garbage.Length, await MetricsScrape.ValueAsync(app, "homerun2_scout_retention_unparseable_total"));
    }

    [Theory]
    [InlineData("2020-01-01")]
    [InlineData("01/02/2020 10:00:00")]
    [InlineData("Jan 2 2020")]
    [InlineData("2020-01-01 10:00:00")]
    public async Task Timestamps_that_are_not_RFC_3339_are_never_deleted_even_when_a_lenient_parser_reads_them_as_old(string timestamp)
    {
        var key = await Messages.AddAsync(redis.Database, "error", "s", timestamp);
        await using var app = await RetentionApp.StartAsync(redis, new PlainRedisSearchIndex(redis.Database));

        var run = await app.PruneAsync();

        Assert.True(await redis.Database.KeyExistsAsync(key));
        Assert.Equal((0, 1), (run.Deleted, run.Unparseable));
    }

    [Fact]
    public async Task Offsets_and_fractions_are_judged_by_the_real_instant()
    {
        var now = DateTimeOffset.UtcNow;
        // 30 minutes old in real time, but its local clock text reads 5 h earlier: the index offers it, the pruner keeps it.
        var liveWithOffset = await Messages.AddAsync(redis.Database, "error", "s", (now.AddMinutes(-30)).ToOffset(TimeSpan.FromHours(-5)).ToString("yyyy-MM-dd'T'HH:mm:sszzz"));
        var expiredWithOffset = await Messages.AddAsync(redis.Database, "error", "s", (now.AddHours(-8)).ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:sszzz"));
        var expiredNano = await Messages.AddAsync(redis.Database, "error", "s", now.AddHours(-3).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss") + ".123456789Z");
        await using var app = await RetentionApp.StartAsync(redis, new PlainRedisSearchIndex(redis.Database));

        var run = await app.PruneAsync();

        Assert.True(await redis.Database.KeyExistsAsync(liveWithOffset));
        Assert.False(await redis.Database.KeyExistsAsync(expiredWithOffset));
        Assert.False(await redis.Database.KeyExistsAsync(expiredNano));
        Assert.Equal((2, 0), (run.Deleted, run.Unparseable));
    }

    [Fact]
    public async Task Numeric_unix_second_timestamps_of_the_hash_producer_are_pruned_too()
    {
        var now = DateTimeOffset.UtcNow;
        string Seconds(TimeSpan age) => (now - age).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var expired = await Messages.AddAsync(redis.Database, "error", "s", Seconds(Expired));
        var old = await Messages.AddAsync(redis.Database, "error", "s", Seconds(TimeSpan.FromDays(30)));
        var live = await Messages.AddAsync(redis.Database, "error", "s", Seconds(Live));
        // A NUMERIC index never matches garbage in a range query, so it is not offered and stays.
        var garbage = await Messages.AddAsync(redis.Database, "error", "s", "yesterday");
        await using var app = await RetentionApp.StartAsync(redis, new PlainRedisSearchIndex(redis.Database, TimestampKind.Numeric));

        var run = await app.PruneAsync();

        Assert.Equal(2, run.Deleted);
        Assert.False(await redis.Database.KeyExistsAsync(expired));
        Assert.False(await redis.Database.KeyExistsAsync(old));
        Assert.True(await redis.Database.KeyExistsAsync(live));
        Assert.True(await redis.Database.KeyExistsAsync(garbage));
    }

    [Theory]
    [InlineData("-99999999999999")]
    [InlineData("-62135596801")]
    public async Task A_numeric_timestamp_beyond_the_calendar_is_kept_and_does_not_stop_the_run(string timestamp)
    {
        // The range query offers it (it is below the cut-off), but it names no instant.
        var beyond = await Messages.AddAsync(redis.Database, "error", "s", timestamp);
        var expired = await Messages.AddAsync(redis.Database, "error", "s", (DateTimeOffset.UtcNow - Expired).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        await using var app = await RetentionApp.StartAsync(redis, new PlainRedisSearchIndex(redis.Database, TimestampKind.Numeric));

        var run = await app.PruneAsync();

        Assert.Equal((1, 1), (run.Deleted, run.Unparseable));
        Assert.True(await redis.Database.KeyExistsAsync(beyond));
        Assert.False(await redis.Database.KeyExistsAsync(expired));
    }

    [Fact]
    public async Task The_scheduled_function_prunes_when_retention_is_enabled()
    {
        var expired = await redis.AddAgedAsync(2, Expired);
        var live = await redis.AddAgedAsync(Live);
        // The aggregation's start-up cycle learns the messages; retention prunes what the counts hold.
        await using var app = await RetentionApp.StartAsync(redis, new PlainRedisSearchIndex(redis.Database), ("SCOUT_RETENTION_SCHEDULE", "1s"),
            ("AzureWebJobs.AggregateAnalytics.Disabled", "false"));

        await Messages.EventuallyAsync(async () => await MetricsScrape.ValueAsync(app, "homerun2_scout_retention_deleted_total") == 2,
            "the PruneRetention timer deletes the expired messages", seconds: 5);

        Assert.All(expired, key => Assert.False(redis.Database.KeyExists(key)));
        Assert.True(await redis.Database.KeyExistsAsync(live));
    }
}
