using System.Globalization;
using Scout.Counting;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Retention;

/// <summary>How a run deletes: one UNLINK per page, at most SCOUT_RETENTION_MAX_DELETES, stopping between batches.</summary>
[Collection(RedisCollection.Name)]
public sealed class RetentionBatchingTests(RedisServerFixture redis) : IAsyncLifetime
{
    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static readonly TimeSpan Expired = TimeSpan.FromHours(3);
    private static readonly TimeSpan Live = TimeSpan.FromMinutes(10);

    private async Task<int> RemainingAsync(IEnumerable<string> keys)
    {
        var count = 0;
        foreach (var key in keys) if (await redis.Database.KeyExistsAsync(key)) count++;
        return count;
    }

    [Fact]
    public async Task Each_batch_of_expired_keys_is_one_UNLINK_and_nothing_uses_DEL()
    {
        var expired = await redis.AddAgedAsync(10, Expired);
        var live = await redis.AddAgedAsync(3, Live);
        var index = new PlainRedisSearchIndex(redis.Database);
        await using var app = await RetentionApp.StartAsync(redis, index);
        app.Pruner().BatchSize = 4;
        await redis.ResetCommandStatsAsync();
        // Each minute the run empties is forgotten with one UNLINK of its bookkeeping too (the ten are aged alike: one
        // minute, or two when the clock passed a minute while they were written).
        var minutes = (await Task.WhenAll(expired.Select(k => redis.Database.HashGetAsync(k, "timestamp"))))
            .Select(t => MessageRecord.MinuteOf(DateTimeOffset.Parse(t.ToString(), CultureInfo.InvariantCulture))).Distinct().Count();

        var run = await app.PruneAsync();

        Assert.Equal(10, run.Deleted);
        Assert.Equal(3, index.ReadCalls); // batches of 4, 4 and 2 expired documents, each read back through the index
        Assert.Equal(3 + minutes, await redis.CommandCallsAsync("unlink"));
        Assert.Equal(0, await redis.CommandCallsAsync("del"));
        Assert.Equal(0, await RemainingAsync(expired));
        Assert.Equal(3, await RemainingAsync(live));
    }

    [Fact]
    public async Task Unparseable_timestamps_are_never_candidates_and_send_no_UNLINK()
    {
        for (var i = 0; i < 3; i++) await Messages.AddAsync(redis.Database, "error", "s", "garbage");
        var index = new PlainRedisSearchIndex(redis.Database);
        await using var app = await RetentionApp.StartAsync(redis, index);
        await redis.ResetCommandStatsAsync();

        var run = await app.PruneAsync();

        Assert.Equal((0, 3), (run.Deleted, run.Unparseable));
        Assert.Equal(0, index.ReadCalls); // counted under no minute, so never a candidate
        Assert.Equal(0, await redis.CommandCallsAsync("unlink"));
    }

    [Fact]
    public async Task A_run_deletes_at_most_MAX_DELETES_and_the_next_runs_take_the_rest()
    {
        var expired = await redis.AddAgedAsync(12, Expired);
        var live = await redis.AddAgedAsync(2, Live);
        await using var app = await RetentionApp.StartAsync(redis, new PlainRedisSearchIndex(redis.Database),
            ("SCOUT_RETENTION_MAX_DELETES", "5"));
        app.Pruner().BatchSize = 3;

        var runs = new List<(long, bool)>();
        for (var i = 0; i < 3; i++)
        {
            var run = await app.PruneAsync();
            runs.Add((run.Deleted, run.Bounded));
            Assert.Equal(12 - runs.Sum(r => r.Item1), await RemainingAsync(expired));
        }

        Assert.Equal([(5, true), (5, true), (2, false)], runs);
        Assert.Equal(2, await RemainingAsync(live));
        Assert.Equal(12, await MetricsScrape.ValueAsync(app, "homerun2_scout_retention_deleted_total"));
    }

    [Fact]
    public async Task Cancellation_stops_after_the_batch_in_hand_and_reports_exactly_what_is_gone()
    {
        var expired = await redis.AddAgedAsync(10, Expired);
        var oldEntry = $"{(DateTimeOffset.UtcNow - Expired).ToUnixTimeMilliseconds()}-0";
        await redis.Database.StreamAddAsync(RetentionApp.Stream, "messageID", expired[0], messageId: oldEntry);
        using var cancel = new CancellationTokenSource();
        var index = new PlainRedisSearchIndex(redis.Database);
        await using var app = await RetentionApp.StartAsync(redis, new CancelOnPageIndex(index, cancel, page: 2));
        app.Pruner().BatchSize = 4;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => app.PruneAsync(cancel.Token));

        // Cancelled while batch 2 was read back: batches 1 and 2 are deleted, batch 3 is never read.
        Assert.Equal(2, index.ReadCalls);
        Assert.Equal(2, await RemainingAsync(expired));
        Assert.Equal(expired.Count - 2, await MetricsScrape.ValueAsync(app, "homerun2_scout_retention_deleted_total"));
        // A cancelled run stops: the stream is trimmed by the next run, not after the cancellation.
        Assert.Equal(1, await redis.Database.StreamLengthAsync(RetentionApp.Stream));

        var next = await app.PruneAsync();
        Assert.Equal((2, 1), (next.Deleted, next.Trimmed));
        Assert.Equal(0, await RemainingAsync(expired));
    }
}
