using System.Globalization;
using Scout.Search;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Retention;

/// <summary>
/// For random mixes of expired, live, unparseable and foreign keys (fixed seeds, so a failure replays),
/// pruning until done removes exactly the expired, parseable message keys and nothing else.
/// Ages stay at least a day away from the 48 h cut-off, so timestamp offsets (up to ±12 h) never blur the verdict.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RetentionPropertyTests(RedisServerFixture redis) : IAsyncLifetime
{
    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static readonly TimeSpan Ttl = TimeSpan.FromHours(48);

    private static readonly string[] Garbage =
        ["yesterday", "", "n/a", "2020-01-01", "01/02/2020 10:00:00", "2020-02-30T10:00:00Z", "2020-01-01T00:00:00", "2020-01-01 00:00:00Z", "1700000000"];

    private enum Kind { Expired, Live, Unparseable, Foreign }

    private static TimeSpan ExpiredAge(Random random) => Ttl + TimeSpan.FromHours(24 + random.Next(0, 24 * 30));

    private static TimeSpan LiveAge(Random random) => TimeSpan.FromMinutes(random.Next(0, 24 * 60));

    private static string Text(Random random, DateTimeOffset instant) => random.Next(4) switch
    {
        0 => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        1 => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        2 => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + "01Z",
        _ => instant.ToOffset(TimeSpan.FromMinutes(30 * random.Next(-24, 25))).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
    };

    private static string Seconds(DateTimeOffset instant) => instant.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(1, TimestampKind.Text)]
    [InlineData(2, TimestampKind.Text)]
    [InlineData(3, TimestampKind.Text)]
    [InlineData(4, TimestampKind.Text)]
    [InlineData(5, TimestampKind.Text)]
    [InlineData(6, TimestampKind.Numeric)]
    [InlineData(7, TimestampKind.Numeric)]
    public async Task Pruning_until_done_removes_exactly_the_expired_parseable_messages(int seed, TimestampKind timestamps)
    {
        var random = new Random(seed);
        var now = DateTimeOffset.UtcNow;
        var keys = new Dictionary<string, Kind>();
        for (var i = 0; i < 200; i++)
        {
            var kind = (Kind)random.Next(4);
            string key;
            switch (kind)
            {
                case Kind.Expired or Kind.Live:
                    var instant = now - (kind == Kind.Expired ? ExpiredAge(random) : LiveAge(random));
                    key = await Messages.AddAsync(redis.Database, "error", "s", timestamps == TimestampKind.Text ? Text(random, instant) : Seconds(instant));
                    break;
                case Kind.Unparseable:
                    var garbage = Garbage[random.Next(Garbage.Length)];
                    // A Unix-seconds string is a valid numeric timestamp: on a numeric index it is data, not garbage.
                    if (timestamps == TimestampKind.Numeric && garbage == "1700000000") garbage = "yesterday";
                    key = await Messages.AddAsync(redis.Database, "error", "s", garbage);
                    break;
                default:
                    // Another application's data, including message-shaped hashes with old timestamps.
                    key = $"other:{seed}:{i}";
                    if (random.Next(2) == 0)
                        await redis.Database.HashSetAsync(key, [new("severity", "error"), new("timestamp", Text(random, now - ExpiredAge(random)))]);
                    else
                        await redis.Database.StringSetAsync(key, "x");
                    break;
            }
            keys[key] = kind;
        }
        var pageSize = random.Next(1, 60);
        // Below the ~50 expired keys, so the bound splits the work over several runs.
        var maxDeletes = random.Next(10, 40);
        await using var app = await RetentionApp.StartAsync(redis, new PlainRedisSearchIndex(redis.Database, timestamps),
            ("SCOUT_RETENTION_TTL", "48h"), ("SCOUT_RETENTION_MAX_DELETES", maxDeletes.ToString(CultureInfo.InvariantCulture)));
        app.Pruner().BatchSize = pageSize;
        var before = await redis.KeysAsync();
        Assert.Subset(before, keys.Keys.ToHashSet());

        long deleted = 0;
        var runs = 0;
        while (true)
        {
            var run = await app.PruneAsync();
            Assert.InRange(run.Deleted, 0, maxDeletes);
            deleted += run.Deleted;
            runs++;
            if (!run.Bounded)
            {
                var unparseable = timestamps == TimestampKind.Text ? keys.Count(k => k.Value == Kind.Unparseable) : 0;
                Assert.Equal(unparseable, run.Unparseable);
                break;
            }
            Assert.True(runs < 50, $"seed {seed}: pruning does not finish");
        }

        var expected = before.Except(keys.Where(k => k.Value == Kind.Expired).Select(k => k.Key)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, (await redis.KeysAsync()).Order(StringComparer.Ordinal).ToList());
        var expiredCount = keys.Count(k => k.Value == Kind.Expired);
        Assert.Equal(expiredCount, deleted);
        // Every bounded run used its whole allowance: no run stopped short while work was left.
        Assert.Equal((expiredCount + maxDeletes - 1) / maxDeletes, runs);
    }
}
