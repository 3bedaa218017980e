using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Scout.Analytics;
using Scout.Configuration;
using Scout.Observability;
using Scout.Redis;
using StackExchange.Redis;

namespace Scout.Retention;

/// <summary>What one retention run did.</summary>
public sealed record RetentionRun(long Deleted, long Unparseable, long Trimmed, bool Bounded, IReadOnlyList<string> UnparseableExamples);

/// <summary>
/// Deletes indexed messages older than the TTL and trims the stream. Only keys the index returns are
/// deleted, in batches of one UNLINK each (one UNLINK per slot on a Redis Cluster); messages whose timestamp
/// does not parse are kept and reported.
/// </summary>
public sealed partial class RetentionPruner(
    ISearchIndex index,
    RedisConnection redis,
    IOptionsMonitor<ScoutOptions> options,
    TimeProvider time,
    ScoutMetrics metrics,
    ILogger<RetentionPruner> logger)
{
    private const int ExampleCount = 5;
    private static readonly double MinUnixSeconds = DateTimeOffset.MinValue.ToUnixTimeSeconds();
    private static readonly double MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

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
            var definition = await index.EnsureIndexAsync(cancellationToken);
            await foreach (var page in index.FindExpiredAsync(definition, cutoff, cancellationToken))
            {
                var expired = new List<RedisKey>(page.Count);
                foreach (var candidate in page)
                {
                    switch (Classify(candidate, definition.Timestamp, cutoff))
                    {
                        case Expiry.Expired when deleted + expired.Count < o.RetentionMaxDeletes:
                            expired.Add(candidate.Key);
                            break;
                        case Expiry.Expired:
                            bounded = true;
                            break;
                        case Expiry.Unparseable:
                            unparseable++;
                            if (examples.Count < ExampleCount) examples.Add(candidate.Key);
                            break;
                    }
                }
                deleted += await UnlinkAsync(expired);
                // Stop between batches: everything deleted so far is counted and reported.
                if (bounded || cancellationToken.IsCancellationRequested) break;
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

    private enum Expiry { Expired, Live, Unparseable }

    /// <summary>
    /// Checks the engine's verdict against the real instant: parsetime ignores offsets, and null
    /// (unreadable) timestamps pass its filter.
    /// </summary>
    private static Expiry Classify(ExpiryCandidate candidate, TimestampKind kind, DateTimeOffset cutoff)
    {
        if (candidate.Timestamp is not { Length: > 0 } text) return Expiry.Unparseable;
        DateTimeOffset instant;
        if (kind == TimestampKind.Numeric)
        {
            // Beyond the calendar (or NaN) names no instant: keep it rather than fail every run on it.
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                || !(seconds >= MinUnixSeconds && seconds <= MaxUnixSeconds)) return Expiry.Unparseable;
            instant = DateTimeOffset.UnixEpoch.AddSeconds(seconds);
        }
        // Only RFC 3339 (as Go's time.RFC3339 parsing accepted it): a lenient parse would delete e.g.
        // "2020-01-01" or "01/02/2020" on a guess.
        else if (!Rfc3339().IsMatch(text)
                 || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out instant))
            return Expiry.Unparseable;
        return instant < cutoff ? Expiry.Expired : Expiry.Live;
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();

    private async Task<long> UnlinkAsync(List<RedisKey> keys)
    {
        if (keys.Count == 0) return 0;
        // One variadic delete per batch, sent as UNLINK (memory freed off the main thread): one round trip.
        if (!redis.IsCluster) return await redis.Database.KeyDeleteAsync([.. keys]);
        // A Redis Cluster refuses a multi-key command across slots (CROSSSLOT): one UNLINK per slot of the
        // batch, sent together (pipelined) so the batch still costs about one round trip per shard.
        var multiplexer = redis.Multiplexer;
        var deletes = keys.GroupBy(k => multiplexer.HashSlot(k)).Select(slot => redis.Database.KeyDeleteAsync([.. slot])).ToList();
        return (await Task.WhenAll(deletes)).Sum();
    }

    private async Task<long> TrimStreamAsync(ScoutOptions o, DateTimeOffset cutoff)
    {
        var minId = cutoff.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        return await redis.Database.StreamTrimByMinIdAsync(o.Stream, minId, useApproximateMaxLength: o.RetentionApproximate);
    }

    private void Report(long deleted, long unparseable, long trimmed, bool bounded, bool completed, List<string> examples, ScoutOptions o, DateTimeOffset cutoff)
    {
        logger.LogInformation(
            "Retention: deleted {Deleted} messages older than {Cutoff} (TTL {Ttl}), trimmed {Trimmed} entries from stream {Stream}{Bound}",
            deleted, cutoff.ToString("O", CultureInfo.InvariantCulture), GoDuration.Format(o.RetentionTtl), trimmed, o.Stream,
            bounded ? $"; stopped at SCOUT_RETENTION_MAX_DELETES={o.RetentionMaxDeletes}, the rest goes next run"
            : completed ? "" : "; stopped early, the rest goes next run");
        if (unparseable > 0)
            logger.LogWarning("Retention: kept {Count} messages whose timestamp does not parse as RFC 3339, e.g. {Examples}",
                unparseable, string.Join(", ", examples));
    }
}
