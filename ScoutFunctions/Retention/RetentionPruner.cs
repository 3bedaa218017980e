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
/// found any other way); each batch is read back through the index (FT.SEARCH INKEYS) and only the documents whose
/// timestamp is past the TTL are deleted, one UNLINK per batch (per slot on a Redis Cluster), and taken out of the counts.
/// A run with nothing expired reads one range of an empty sorted set. Messages whose timestamp does not parse are kept and reported.
/// </summary>
public sealed class RetentionPruner(
    ISearchIndex index,
    CountStore counts,
    RedisConnection redis,
    IOptionsMonitor<ScoutOptions> options,
    TimeProvider time,
    ScoutMetrics metrics,
    ILogger<RetentionPruner> logger)
{
    private const int ExampleCount = 5;
    /// <summary>Documents read back, deleted and uncounted together: one FT.SEARCH and one UNLINK each.</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>Keys per UNLINK call, so that no single call holds Redis long.</summary>
    public const int UnlinkChunk = 100;

    public async Task<RetentionRun> RunAsync(CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var started = Stopwatch.GetTimestamp();
        var cutoff = time.GetUtcNow() - o.RetentionTtl;
        long deleted = 0, unparseable = 0, trimmed = 0;
        var examples = new List<string>();
        var bounded = false;
        var completed = false;
        try
        {
            var state = await counts.ReadStateAsync();
            if (state.LiveKeys is { } live)
            {
                var definition = await index.EnsureIndexAsync(cancellationToken);
                // Whole minutes before the cut-off's minute only: every message in them is past the TTL.
                var before = MessageRecord.MinuteOf(cutoff);
                foreach (var minute in await counts.MinutesBeforeAsync(live, before, int.MaxValue))
                {
                    while (!bounded && !cancellationToken.IsCancellationRequested)
                    {
                        var keys = await counts.MinuteKeysAsync(live, minute.ToString(CultureInfo.InvariantCulture), BatchSize);
                        if (keys.Count == 0)
                        {
                            await counts.ForgetMinuteAsync(live, minute);
                            break;
                        }
                        var (removed, stop) = await PruneBatchAsync(definition, live, keys, cutoff, o.RetentionMaxDeletes - deleted, cancellationToken);
                        deleted += removed;
                        bounded = stop;
                    }
                    if (bounded || cancellationToken.IsCancellationRequested) break;
                }
                unparseable = await counts.MinuteSizeAsync(live, MessageRecord.NoMinute);
                if (unparseable > 0) examples.AddRange(await counts.MinuteKeysAsync(live, MessageRecord.NoMinute, ExampleCount));
            }
            // A cancelled run stops here (shutdown, timeout or lost lease): the next run trims the stream.
            if (!cancellationToken.IsCancellationRequested) trimmed = await TrimStreamAsync(o, cutoff);
            completed = !cancellationToken.IsCancellationRequested;
        }
        finally
        {
            metrics.RetentionDeleted.Inc(deleted);
            metrics.RetentionUnparseable.Inc(unparseable);
            metrics.RetentionTrimmed.Inc(trimmed);
            metrics.RetentionDuration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            if (completed || deleted > 0) Report(deleted, unparseable, trimmed, bounded, completed, examples, o, cutoff);
        }
        cancellationToken.ThrowIfCancellationRequested();
        return new RetentionRun(deleted, unparseable, trimmed, bounded, examples);
    }

    /// <summary>
    /// One batch of a minute's documents: read back through the index; the expired ones deleted (at most
    /// <paramref name="allowance"/>), the others re-recorded as they are now (overwritten, or gone), all taken out of
    /// this minute. Returns how many were deleted and whether the allowance stopped the run.
    /// </summary>
    private async Task<(long Deleted, bool Bounded)> PruneBatchAsync(IndexDefinition definition, CountKeys live, List<string> keys,
        DateTimeOffset cutoff, long allowance, CancellationToken cancellationToken)
    {
        var found = (await index.ReadAsync(definition, keys, cancellationToken)).ToDictionary(d => d.Key, StringComparer.Ordinal);
        var expired = new List<RedisKey>();
        var changes = new List<RecordChange>(keys.Count);
        var bounded = false;
        foreach (var key in keys)
        {
            if (!found.TryGetValue(key, out var document))
            {
                changes.Add(new RecordChange(key, null));
                continue;
            }
            var expires = MessageTimestamp.TryParse(document.Timestamp, definition.Timestamp, out var instant) && instant < cutoff;
            if (expires && expired.Count >= allowance)
            {
                bounded = true;
                continue;
            }
            if (expires) expired.Add(key);
            changes.Add(new RecordChange(key, expires ? null : MessageRecord.From(document, definition.Timestamp)));
        }
        var deleted = await UnlinkAsync(expired);
        // Deleted first, then uncounted: a crash in between leaves records of gone documents, which the next run drops.
        // A full pass that switched meanwhile read the documents after they were deleted: nothing to take out of it.
        await counts.WriteLiveAsync("retention's changes", async (state, current) =>
            current.Generation != live.Generation || await counts.ApplyAsync(live, changes, await counts.ReadStartsAsync(live), state.Version));
        return (deleted, bounded);
    }

    private async Task<long> UnlinkAsync(List<RedisKey> keys)
    {
        if (keys.Count == 0) return 0;
        // UNLINK (memory freed off the main thread) of at most UnlinkChunk keys per call, all sent together (pipelined):
        // each deleted document also leaves RediSearch's index inside the call, which at millions of documents made
        // one UNLINK of 1,000 take hundreds of ms. A Redis Cluster refuses a multi-key command across slots
        // (CROSSSLOT): there the chunks are per slot.
        var multiplexer = redis.Multiplexer;
        var groups = redis.IsCluster ? keys.GroupBy(k => multiplexer.HashSlot(k)).Select(g => g.ToList()) : [keys];
        var deletes = groups.SelectMany(g => g.Chunk(UnlinkChunk)).Select(chunk => redis.Database.KeyDeleteAsync(chunk)).ToList();
        return (await Task.WhenAll(deletes)).Sum();
    }

    private async Task<long> TrimStreamAsync(ScoutOptions o, DateTimeOffset cutoff)
    {
        var minId = cutoff.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        return await redis.Database.StreamTrimByMinIdAsync(o.Stream, minId, useApproximateMaxLength: o.RetentionApproximate);
    }

    private void Report(long deleted, long unparseable, long trimmed, bool bounded, bool completed, List<string> examples, ScoutOptions o, DateTimeOffset cutoff)
    {
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
