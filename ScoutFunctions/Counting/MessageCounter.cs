using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Scout.Analytics;
using Scout.Configuration;
using Scout.Hosting;
using Scout.Observability;
using Scout.Redis;
using StackExchange.Redis;

namespace Scout.Counting;

/// <summary>
/// Keeps Scout's counts current. Each cycle moves the windows' starts to now, then counts the stream entries added
/// since the stored position (only those documents are read). A full pass in cursor pages rebuilds the counts when the
/// stream cannot say what is new (first start, entries lost before Scout read them, other windows or index) and every
/// SCOUT_RECONCILE_INTERVAL.
/// </summary>
public sealed class MessageCounter(
    ISearchIndex index,
    CountStore store,
    StreamFollower stream,
    IOptionsMonitor<ScoutOptions> options,
    TimeProvider time,
    ScoutMetrics metrics,
    ILogger<MessageCounter> logger)
{
    /// <summary>Stream entries (and documents) read per call.</summary>
    public const int StreamPage = 1000;

    /// <summary>Documents per page of a full pass: each call stays short on a large index.</summary>
    public const int ScanPage = 500;

    /// <summary>How often a write that lost the optimistic lock (another writer came first) is read again and retried.</summary>
    private const int Attempts = 20;

    /// <summary>Brings the counts up to date; returns the state they are in and the instant the windows' starts were set for.</summary>
    public async Task<(CountState State, DateTimeOffset At)> RunAsync(IndexDefinition definition, CancellationToken cancellationToken)
    {
        var state = await store.ReadStateAsync();
        var reason = await FullPassReasonAsync(state, definition);
        if (reason is not null)
        {
            await FullPassAsync(definition, state, reason, cancellationToken);
            state = await store.ReadStateAsync();
        }
        var at = time.GetUtcNow();
        await SlideAsync(at);
        await FollowAsync(definition, cancellationToken);
        return (await store.ReadStateAsync(), at);
    }

    /// <summary>Why the stream alone cannot bring the counts up to date, or null when it can.</summary>
    private async Task<string?> FullPassReasonAsync(CountState state, IndexDefinition definition)
    {
        var o = options.CurrentValue;
        if (state.Live is null) return "first start";
        if (state.Windows != CountStore.WindowsSignature(o.Windows)) return "windows changed";
        if (state.Reconciliation is null || Parse(state.Reconciliation) is not { } last
            || time.GetUtcNow() - DateTimeOffset.Parse(last.At, System.Globalization.CultureInfo.InvariantCulture) >= o.ReconcileInterval)
            return "reconciliation due";
        var mark = await stream.MarkAsync();
        if (StreamFollower.Compare(mark.MaxDeletedId, state.Position) > 0)
        {
            metrics.StreamGaps.Inc();
            logger.LogWarning("Stream {Stream} lost entries after Scout's position {Position} before Scout read them (newest removed: {MaxDeleted}): " +
                "more messages arrived than the stream keeps between two cycles; counting them with a full pass", o.Stream, state.Position, mark.MaxDeletedId);
            return "stream trimmed past Scout's position";
        }
        if (mark.Exists && StreamFollower.Compare(mark.LastId, state.Position) < 0) return "stream recreated";
        return null;
    }

    private async Task SlideAsync(DateTimeOffset at)
    {
        var wanted = CountStore.StartsAt(options.CurrentValue.Windows, at);
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var state = await store.ReadStateAsync();
            var keys = state.LiveKeys!;
            if (await store.SlideAsync(keys, state.Version, await store.ReadStartsAsync(keys), wanted)) return;
        }
        throw new InvalidOperationException($"the windows' starts could not be moved in {Attempts} attempts: other writers kept changing the counts");
    }

    /// <summary>Counts the stream entries after the stored position, a page per transaction that also moves the position.</summary>
    private async Task FollowAsync(IndexDefinition definition, CancellationToken cancellationToken)
    {
        var limit = options.CurrentValue.MaxStreamPagesPerCycle;
        for (var page = 0; page < limit && !cancellationToken.IsCancellationRequested; page++)
        {
            var counted = false;
            for (var attempt = 0; attempt < Attempts && !counted; attempt++)
            {
                var state = await store.ReadStateAsync();
                var keys = state.LiveKeys!;
                var (entries, lastId) = await stream.ReadAfterAsync(state.Position, StreamPage);
                if (lastId == state.Position) return;
                var changes = await ReadChangesAsync(definition, entries.Select(e => e.Key).Distinct().ToList(), cancellationToken);
                counted = await store.ApplyAsync(keys, changes, await store.ReadStartsAsync(keys), state.Version,
                    tran => _ = tran.HashSetAsync(CountKeys.State, StateFields.Position, lastId));
                if (counted) metrics.StreamEntriesCounted.Inc(entries.Count);
            }
            if (!counted) throw new InvalidOperationException($"a page of the stream could not be counted in {Attempts} attempts: other writers kept changing the counts");
        }
    }

    /// <summary>Each named document's record as the index holds it now; null for those it no longer holds.</summary>
    private async Task<List<RecordChange>> ReadChangesAsync(IndexDefinition definition, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var found = (await index.ReadAsync(definition, keys, cancellationToken)).ToDictionary(d => d.Key, StringComparer.Ordinal);
        return keys.Select(k => new RecordChange(k, found.TryGetValue(k, out var d) ? MessageRecord.From(d, definition.Timestamp) : null)).ToList();
    }

    /// <summary>
    /// Rebuilds the counts from every document, in short cursor pages, into a new generation; then counts what the stream
    /// added meanwhile into it (a document read twice is one record, so nothing counts twice) and makes it live in one
    /// transaction, unless another writer came first (then the stream is read again and the switch retried).
    /// </summary>
    private async Task FullPassAsync(IndexDefinition definition, CountState state, string reason, CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var started = Stopwatch.GetTimestamp();
        logger.LogInformation("Full pass over index {Index} ({Reason}): reading every document in pages of {Page}", definition.Name, reason, ScanPage);
        var mark = await stream.MarkAsync();
        if (state.Staging is { } abandoned && abandoned != state.Live)
            await store.DropGenerationAsync(new CountKeys(abandoned));
        var starts = CountStore.StartsAt(o.Windows, time.GetUtcNow());
        var staging = await store.StartGenerationAsync(starts);
        var live = state.LiveKeys;
        long documents = 0, missed = 0, wrong = 0, matched = 0;
        await foreach (var page in index.ScanAsync(definition, ScanPage, cancellationToken))
        {
            // An ON HASH index without PREFIX indexes Scout's own hashes too: they are never messages.
            var changes = page.Where(d => !d.Key.StartsWith(ScoutKeys.Prefix, StringComparison.Ordinal))
                .Select(d => new RecordChange(d.Key, MessageRecord.From(d, definition.Timestamp))).ToList();
            documents += changes.Count;
            if (live is not null)
            {
                var held = await store.ReadRecordsAsync(live, changes.Select(c => c.Key).ToList());
                for (var i = 0; i < held.Length; i++)
                {
                    if (held[i] is null) missed++;
                    else
                    {
                        matched++;
                        if (held[i] != changes[i].Record) wrong++;
                    }
                }
            }
            await store.ApplyAsync(staging, changes, starts, version: null);
        }
        var extra = live is null ? 0 : Math.Max(0, await store.CountRecordsAsync(live) - matched);

        var position = mark.LastId;
        CountKeys? replaced = null;
        for (var attempt = 0; ; attempt++)
        {
            // The switch is conditioned on this version, so the generation live now is the one it replaces (another
            // replica's, if one switched meanwhile): that one is dropped afterwards, not the one live when the pass began.
            var current = await store.ReadStateAsync();
            var version = current.Version;
            replaced = current.LiveKeys;
            while (true)
            {
                var (entries, lastId) = await stream.ReadAfterAsync(position, StreamPage);
                if (lastId == position) break;
                var changes = await ReadChangesAsync(definition, entries.Select(e => e.Key).Distinct().ToList(), cancellationToken);
                await store.ApplyAsync(staging, changes, starts, version: null);
                position = lastId;
            }
            var done = new Reconciliation(AnalyticsViews.Rfc3339(time.GetUtcNow()), Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 3),
                reason, documents, missed, wrong, extra);
            if (await store.SwitchAsync(staging, version, position, CountStore.WindowsSignature(o.Windows), definition.Name,
                    JsonSerializer.Serialize(done, ScoutJson.Options)))
            {
                metrics.FullPasses.WithLabels(reason).Inc();
                logger.LogInformation("Full pass over index {Index} ({Reason}) counted {Documents} documents in {Seconds} s; the counts it replaced " +
                    "had missed {Missed}, counted {Wrong} wrongly and held {Extra} the index no longer has", definition.Name, reason, documents,
                    done.DurationSeconds, missed, wrong, extra);
                break;
            }
            if (attempt >= Attempts) throw new InvalidOperationException($"the full pass could not switch the counts in {Attempts} attempts");
        }
        if (replaced is not null && replaced.Generation != staging.Generation) await store.DropGenerationAsync(replaced);
    }

    public static Reconciliation? Parse(string? json) =>
        string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize<Reconciliation>(json, ScoutJson.Options);
}
