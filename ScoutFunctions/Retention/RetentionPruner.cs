using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using Scout.Configuration;
using Scout.Counting;
using Scout.Observability;
using Scout.Redis;
using Scout.Search;
using StackExchange.Redis;

namespace Scout.Retention;

/// <summary>What one retention run did.</summary>
public sealed record RetentionRun(long Deleted, long Unparseable, long Trimmed, bool Bounded, IReadOnlyList<string> UnparseableExamples);

/// <summary>
/// Deletes messages older than the TTL and trims the stream, at a cost that follows what expires: Scout's counts say
/// which minutes hold expired messages and which documents they are (keys learned from the stream or the index, never
/// found any other way); each batch is read back by key as the index covers it (JSON.MGET or HMGET) and only the documents whose
/// timestamp is past the TTL are deleted, one UNLINK per batch (per slot on a Redis Cluster), and taken out of the counts.
/// A run with nothing expired reads one range of an empty sorted set. Messages whose timestamp does not parse are kept and reported.
/// </summary>
public sealed class RetentionPruner(
    ISearchIndex index,
    MessageReader reader,
    CountStore counts,
    RedisConnection redis,
    IOptionsMonitor<ScoutOptions> options,
    TimeProvider time,
    ScoutMetrics metrics,
    ILogger<RetentionPruner> logger)
{
    private const int ExampleCount = 5;
    /// <summary>Documents read back, deleted and uncounted together: one read and one UNLINK each.</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>Keys per UNLINK call, so that no single call holds Redis long.</summary>
    public const int UnlinkChunk = 100;

    /// <summary>What a run has done so far.</summary>
    private sealed class Progress
    {
        public long Deleted, Unparseable, Trimmed;
        public bool Bounded, Completed;
        public List<string> Examples { get; } = [];
    }

    public async Task<RetentionRun> RunAsync(CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var started = Stopwatch.GetTimestamp();
        var cutoff = time.GetUtcNow() - o.RetentionTtl;
        var run = new Progress();
        try
        {
            var live = await LiveCounts.ReadAsync(counts);
            if (live.State.LiveKeys is { } keys) await PruneExpiredAsync(live, keys, cutoff, run, cancellationToken);
            // A cancelled run stops here (shutdown, timeout or lost lease): the next run trims the stream.
            if (!cancellationToken.IsCancellationRequested) run.Trimmed = await TrimStreamAsync(o, cutoff);
            run.Completed = !cancellationToken.IsCancellationRequested;
        }
        finally
        {
            metrics.RetentionDeleted.Inc(run.Deleted);
            metrics.RetentionUnparseable.Inc(run.Unparseable);
            metrics.RetentionTrimmed.Inc(run.Trimmed);
            metrics.RetentionDuration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            if (run.Completed || run.Deleted > 0) Report(run, o, cutoff);
        }
        cancellationToken.ThrowIfCancellationRequested();
        return new RetentionRun(run.Deleted, run.Unparseable, run.Trimmed, run.Bounded, run.Examples);
    }

    /// <summary>Whole minutes before the cut-off's minute only, oldest first: every message in them is past the TTL.</summary>
    private async Task PruneExpiredAsync(LiveCounts live, CountKeys keys, DateTimeOffset cutoff, Progress run, CancellationToken cancellationToken)
    {
        var definition = await index.EnsureIndexAsync(cancellationToken);
        foreach (var minute in await counts.MinutesBeforeAsync(keys, MessageRecord.MinuteOf(cutoff), int.MaxValue))
        {
            await PruneMinuteAsync(definition, live, keys, minute, cutoff, run, cancellationToken);
            if (run.Bounded || cancellationToken.IsCancellationRequested) break;
        }
        run.Unparseable = await counts.MinuteSizeAsync(keys, MessageRecord.NoMinute);
        if (run.Unparseable > 0) run.Examples.AddRange(await counts.MinuteKeysAsync(keys, MessageRecord.NoMinute, ExampleCount));
    }

    private async Task PruneMinuteAsync(IndexDefinition definition, LiveCounts live, CountKeys keys, long minute, DateTimeOffset cutoff,
        Progress run, CancellationToken cancellationToken)
    {
        while (!run.Bounded && !cancellationToken.IsCancellationRequested)
        {
            var batch = await counts.MinuteKeysAsync(keys, minute.ToString(CultureInfo.InvariantCulture), BatchSize);
            if (batch.Count == 0)
            {
                await counts.ForgetMinuteAsync(keys, minute);
                return;
            }
            var (removed, bounded) = await PruneBatchAsync(definition, live, keys, batch, cutoff, options.CurrentValue.RetentionMaxDeletes - run.Deleted, cancellationToken);
            run.Deleted += removed;
            run.Bounded = bounded;
        }
    }

    /// <summary>
    /// One batch of a minute's documents: read back as the index holds them; the expired ones deleted (at most
    /// <paramref name="allowance"/>), the others re-recorded as they are now (overwritten, or gone), all taken out of
    /// this minute. Returns how many were deleted and whether the allowance stopped the run.
    /// </summary>
    private async Task<(long Deleted, bool Bounded)> PruneBatchAsync(IndexDefinition definition, LiveCounts live, CountKeys keys, List<string> batch,
        DateTimeOffset cutoff, long allowance, CancellationToken cancellationToken)
    {
        var found = (await reader.ReadAsync(definition, batch, cancellationToken)).ToDictionary(d => d.Key, StringComparer.Ordinal);
        var expired = new List<RedisKey>();
        var changes = new List<RecordChange>(batch.Count);
        foreach (var key in batch)
        {
            var document = found.GetValueOrDefault(key);
            var expires = document is not null && MessageTimestamp.TryParse(document.Timestamp, definition.Timestamp, out var instant) && instant < cutoff;
            if (expires && expired.Count >= allowance) return (await CommitAsync(live, keys, expired, changes), true);
            if (expires) expired.Add(key);
            changes.Add(new RecordChange(key, expires || document is null ? null : MessageRecord.From(document, definition.Timestamp)));
        }
        return (await CommitAsync(live, keys, expired, changes), false);
    }

    /// <summary>
    /// Deleted first, then uncounted: a crash in between leaves records of gone documents, which the next run drops. A
    /// full pass that switched meanwhile read the documents after they were deleted: nothing to take out of it.
    /// </summary>
    private async Task<long> CommitAsync(LiveCounts live, CountKeys keys, List<RedisKey> expired, List<RecordChange> changes)
    {
        var deleted = await UnlinkAsync(expired);
        await live.WriteAsync("retention's changes", async (state, current) => current.Generation != keys.Generation ? null
            : new CountWrite(current, CountingModel.Apply(await counts.ReadHeldAsync(current, changes.Select(c => c.Key)), changes, state.Starts), state.Version),
            CancellationToken.None);
        return deleted;
    }

    private async Task<long> UnlinkAsync(List<RedisKey> keys)
    {
        if (keys.Count == 0) return 0;
        // UNLINK (memory freed off the main thread) of at most UnlinkChunk keys per call, all sent together (pipelined):
        // each deleted document also leaves RediSearch's index inside the call, which at millions of documents made
        // one UNLINK of 1,000 take hundreds of ms. Per slot on a cluster.
        var deletes = redis.MultiKeyChunks(keys, k => k, UnlinkChunk).Select(chunk => redis.Database.KeyDeleteAsync(chunk)).ToList();
        return (await Task.WhenAll(deletes)).Sum();
    }

    private async Task<long> TrimStreamAsync(ScoutOptions o, DateTimeOffset cutoff)
    {
        var minId = cutoff.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        return await redis.Database.StreamTrimByMinIdAsync(o.Stream, minId, useApproximateMaxLength: o.RetentionApproximate);
    }

    private void Report(Progress run, ScoutOptions o, DateTimeOffset cutoff)
    {
        var (deleted, unparseable, trimmed, bounded, completed, examples) = (run.Deleted, run.Unparseable, run.Trimmed, run.Bounded, run.Completed, run.Examples);
        // A run with nothing expired is routine: debug, so an idle service stays quiet.
        logger.Log(deleted > 0 || trimmed > 0 || bounded || !completed ? LogLevel.Information : LogLevel.Debug,
            "Retention: deleted {Deleted} messages older than {Cutoff} (TTL {Ttl}), trimmed {Trimmed} entries from stream {Stream}{Bound}",
            deleted, cutoff.ToString("O", CultureInfo.InvariantCulture), GoDuration.Format(o.RetentionTtl), trimmed, o.Stream,
            bounded ? $"; stopped at SCOUT_RETENTION_MAX_DELETES={o.RetentionMaxDeletes}, the rest goes next run"
            : completed ? "" : "; stopped early, the rest goes next run");
        if (unparseable > 0)
            logger.LogWarning("Retention: kept {Count} messages whose timestamp does not parse as RFC 3339, e.g. {Examples}",
                unparseable, string.Join(", ", examples));
    }
}
