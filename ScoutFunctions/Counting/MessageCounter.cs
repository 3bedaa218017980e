using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Scout.Configuration;
using Scout.Observability;
using Scout.Redis;
using Scout.Search;
using StackExchange.Redis;

namespace Scout.Counting;

/// <summary>
/// Keeps Scout's counts current. Each cycle moves the windows' starts to now, then counts the stream entries added
/// since the stored position (only those documents are read). A full pass in cursor pages rebuilds the counts when the
/// stream cannot say what is new (first start, entries lost before Scout read them, other windows or index); and, after
/// the cycle's snapshots are stored, every SCOUT_RECONCILE_INTERVAL (<see cref="ReconcileIfDueAsync"/>).
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
    public const int StreamPageSize = 1000;

    /// <summary>Documents per page of a full pass: each call stays short on a large index.</summary>
    public const int ScanPage = 500;

    /// <summary>Brings the counts up to date; returns the state they are in and the instant the windows' starts were set for.</summary>
    public async Task<(CountState State, DateTimeOffset At)> RunAsync(IndexDefinition definition, CancellationToken cancellationToken)
    {
        var reason = await FullPassReasonAsync(definition, await store.ReadStateAsync());
        for (var attempt = 1; ; attempt++)
        {
            if (reason is not null && !await FullPassAsync(definition, await store.ReadStateAsync(), reason, cancellationToken))
                reason = StreamLost;
            else if (await SlideAndFollowAsync(definition, cancellationToken) is { } counted) return counted;
            else reason = StreamLost;
            if (attempt >= MaxFullPasses)
                throw new InvalidOperationException($"the stream {options.CurrentValue.Stream} lost entries before Scout read them in {attempt} " +
                    "attempts: more messages arrive than it keeps while Scout counts; shorten SCOUT_INTERVAL or raise the producer's stream cap");
        }
    }

    /// <summary>
    /// Brings the counts up to date from the stream alone; null when that needs a full pass. What a reconciliation runs
    /// between its pages to keep serving (the pass itself, when it ends, counts what this could not).
    /// </summary>
    public async Task<(CountState State, DateTimeOffset At)?> FollowOnlyAsync(IndexDefinition definition, CancellationToken cancellationToken) =>
        await FullPassReasonAsync(definition, await store.ReadStateAsync()) is null ? await SlideAndFollowAsync(definition, cancellationToken) : null;

    /// <summary>Moves the windows' starts to now and counts the stream's new entries; null when entries were lost before they were read.</summary>
    private async Task<(CountState State, DateTimeOffset At)?> SlideAndFollowAsync(IndexDefinition definition, CancellationToken cancellationToken)
    {
        var at = time.GetUtcNow();
        await SlideAsync(at);
        return await FollowAsync(definition, cancellationToken) is null ? (await store.ReadStateAsync(), at) : null;
    }

    /// <summary>Full passes one cycle may start when the stream keeps losing entries before they are read.</summary>
    private const int MaxFullPasses = 3;

    private const string StreamLost = "stream trimmed past Scout's position";

    private void ReportLoss(string position, string during)
    {
        metrics.StreamGaps.Inc();
        logger.LogWarning("Stream {Stream} lost entries after position {Position} before Scout read them ({During}): more messages arrived " +
            "than the stream keeps; counting them with a full pass", options.CurrentValue.Stream, position, during);
    }

    /// <summary>Why the stream alone cannot bring the counts up to date, or null when it can.</summary>
    private async Task<string?> FullPassReasonAsync(IndexDefinition definition, CountState state)
    {
        var o = options.CurrentValue;
        if (state.Live is null) return "first start";
        if (state.LiveKeys is null) return "layout changed";
        var windows = CountStore.WindowsSignature(o.Windows);
        // Counts of an older Scout hold the windows only: they do not say which index and stream they came from.
        if (state.Windows != CountStore.SourceSignature(definition.Name, o.Stream, o.Windows))
            return state.Windows == windows || state.Windows?.EndsWith("|" + windows, StringComparison.Ordinal) == true ? "index or stream changed" : "windows changed";
        var mark = await stream.MarkAsync();
        if (mark.LostAfter(state.Position, state.Sequence))
        {
            ReportLoss(state.Position, "between two cycles");
            return StreamLost;
        }
        if (mark.Exists && (StreamFollower.Compare(mark.LastId, state.Position) < 0 || mark.EntriesAdded < state.Sequence)) return "stream recreated";
        return null;
    }

    private const string ReconciliationDue = "reconciliation due";

    /// <summary>
    /// The periodic reconciliation, when it is due: a full pass over live counts that are otherwise up to date. The cycle
    /// runs it after its snapshots are stored and gives it <paramref name="meanwhile"/>, run every SCOUT_INTERVAL between
    /// its pages: however long it takes, or if it fails or runs out of time, the counts the stream keeps are served. Its
    /// start is recorded first: one that does not finish is tried again after SCOUT_RECONCILE_INTERVAL, not every cycle.
    /// Returns true when it replaced the counts.
    /// </summary>
    public async Task<bool> ReconcileIfDueAsync(IndexDefinition definition, Func<Task>? meanwhile, CancellationToken cancellationToken)
    {
        var state = await store.ReadStateAsync();
        if (state.LiveKeys is null || !IsReconciliationDue(state)) return false;
        var started = Stopwatch.GetTimestamp();
        await store.RecordReconcileStartedAsync(MessageTimestamp.Rfc3339(time.GetUtcNow()));
        string why;
        try
        {
            if (await FullPassAsync(definition, state, ReconciliationDue, cancellationToken, meanwhile)) return true;
            why = "the stream lost entries it had to count before it read them";
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            metrics.ReconciliationFailures.Inc();
            await DropAbandonedAsync();
            throw;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            why = error.Message;
            await DropAbandonedAsync();
        }
        metrics.ReconciliationFailures.Inc();
        logger.LogWarning("Reconciliation over index {Index} failed after {Seconds} s ({Error}); the counts the stream keeps stay served, " +
            "and it is tried again in {Interval} (SCOUT_RECONCILE_INTERVAL)", definition.Name,
            Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 1), why, options.CurrentValue.ReconcileInterval);
        return false;
    }

    /// <summary>
    /// Deletes the counts a full pass was building and did not finish (best effort: after a failure Redis may be what
    /// failed, and the next pass drops them anyway).
    /// </summary>
    private async Task DropAbandonedAsync()
    {
        try
        {
            if (await store.ReadStateAsync() is { Staging: { } abandoned } state && abandoned != state.Live)
                await store.DropGenerationAsync(new CountKeys(abandoned));
        }
        catch (Exception error) when (error is RedisException or TimeoutException)
        {
            logger.LogWarning("The counts of an unfinished full pass stay in Redis until the next pass drops them ({Error})", error.Message);
        }
    }

    /// <summary>Due an interval after the last reconciliation ended or the last attempt began, whichever is later.</summary>
    private bool IsReconciliationDue(CountState state)
    {
        var last = new[] { Parse(state.Reconciliation)?.At, state.ReconcileStarted }.OfType<string>()
            .Select(at => DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture))
            .DefaultIfEmpty(DateTimeOffset.MinValue).Max();
        return time.GetUtcNow() - last >= options.CurrentValue.ReconcileInterval;
    }

    private Task SlideAsync(DateTimeOffset at)
    {
        var wanted = CountStore.StartsAt(options.CurrentValue.Windows, at);
        return store.WriteLiveAsync("the windows' starts", async (state, live) =>
            await store.SlideAsync(live, state.Version, await store.ReadStartsAsync(live), wanted));
    }

    /// <summary>
    /// Counts the stream entries after the stored position, a page per transaction that also moves the position.
    /// Returns why a full pass is needed when entries after the position were lost before they were read, else null.
    /// </summary>
    private async Task<string?> FollowAsync(IndexDefinition definition, CancellationToken cancellationToken)
    {
        var limit = options.CurrentValue.MaxStreamPagesPerCycle;
        for (var page = 0; page < limit && !cancellationToken.IsCancellationRequested; page++)
        {
            string? lost = null;
            var done = false;
            await store.WriteLiveAsync("a page of the stream", async (state, live) =>
            {
                var read = await stream.ReadAfterAsync(state.Position, state.Sequence, StreamPageSize);
                if (read.Lost)
                {
                    ReportLoss(state.Position, "while a cycle read the stream");
                    lost = StreamLost;
                    return true;
                }
                if (read.LastId == state.Position) return done = true;
                var changes = await ReadChangesAsync(definition, read.Entries.Select(e => e.Key).Distinct().ToList(), cancellationToken);
                var counted = await store.ApplyAsync(live, changes, await store.ReadStartsAsync(live), state.Version,
                    tran => _ = tran.HashSetAsync(CountKeys.State, [new(StateFields.Position, read.LastId), new(StateFields.Sequence, read.Sequence)]));
                if (counted) metrics.StreamEntriesCounted.Inc(read.Entries.Count);
                return counted;
            });
            if (lost is not null || done) return lost;
        }
        return null;
    }

    /// <summary>Each named document's record as the index holds it now; null for those it no longer holds.</summary>
    private async Task<List<RecordChange>> ReadChangesAsync(IndexDefinition definition, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var found = (await index.ReadAsync(definition, keys, cancellationToken)).ToDictionary(d => d.Key, StringComparer.Ordinal);
        return keys.Select(k => new RecordChange(k, found.TryGetValue(k, out var d) ? MessageRecord.From(d, definition.Timestamp) : null)).ToList();
    }

    /// <summary>
    /// Rebuilds the counts from every document, in short cursor pages, into a new generation; counts what the stream adds
    /// meanwhile into it, every SCOUT_INTERVAL and at the end (a document read twice is one record, so nothing counts
    /// twice), and makes it live in one transaction, unless another writer came first (then the stream is read again and
    /// the switch retried).
    /// </summary>
    /// <returns>False when stream entries the pass had to replay were lost before it read them: its counts were dropped.</returns>
    private async Task<bool> FullPassAsync(IndexDefinition definition, CountState state, string reason, CancellationToken cancellationToken,
        Func<Task>? meanwhile = null)
    {
        var o = options.CurrentValue;
        var started = Stopwatch.GetTimestamp();
        logger.LogInformation("Full pass over index {Index} ({Reason}): reading every document in pages of {Page}", definition.Name, reason, ScanPage);
        var mark = await stream.MarkAsync();
        await DropAbandonedAsync();
        var starts = CountStore.StartsAt(o.Windows, time.GetUtcNow());
        var staging = await store.StartGenerationAsync(starts);
        var live = state.LiveKeys;
        long documents = 0;
        var missed = new HashSet<string>(StringComparer.Ordinal);
        var wrong = new HashSet<string>(StringComparer.Ordinal);
        // Documents the stream named since the mark: written while the pass read, so the live counts and the pages saw
        // them at different moments, and comparing them says nothing about the counts.
        var changed = new HashSet<string>(StringComparer.Ordinal);
        var (position, sequence) = (mark.LastId, mark.EntriesAdded);
        var caughtUp = time.GetTimestamp();
        try
        {
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
                        if (held[i] is null) missed.Add(changes[i].Key);
                        else if (held[i] != changes[i].Record) wrong.Add(changes[i].Key);
                    }
                }
                await store.ApplyAsync(staging, changes, starts, version: null);
                if (time.GetElapsedTime(caughtUp) < o.Interval) continue;
                // A long pass: every SCOUT_INTERVAL the new generation takes in what the stream added (before the producer's cap
                // trims it), and the live counts are followed and served meanwhile.
                if (await ReplayAsync(definition, staging, starts, position, sequence, changed, cancellationToken) is not { } replayed) return false;
                (position, sequence) = replayed;
                if (meanwhile is not null) await meanwhile();
                caughtUp = time.GetTimestamp();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Full pass over index {Index} ({Reason}) stopped after {Documents} documents in {Seconds} s: the invocation was " +
                "cancelled (host.json functionTimeout, or shutdown). A pass over more documents needs a longer functionTimeout",
                definition.Name, reason, documents, Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 1));
            throw;
        }
        CountKeys? replaced = null;
        for (var attempt = 0; ; attempt++)
        {
            // The switch is conditioned on this version, so the generation live now is the one it replaces (another
            // replica's, if one switched meanwhile): that one is dropped afterwards, not the one live when the pass began.
            // The live counts to the stream's end as well: the two generations are compared at one position.
            if (live is not null && reason == ReconciliationDue) await FollowAsync(definition, cancellationToken);
            var current = await store.ReadStateAsync();
            var version = current.Version;
            replaced = current.LiveGeneration;
            if (await ReplayAsync(definition, staging, starts, position, sequence, changed, cancellationToken) is not { } replayed) return false;
            (position, sequence) = replayed;
            var (missing, wrongly, extra) = await CorrectionsAsync(live, staging, missed, wrong, changed);
            var done = new Reconciliation(MessageTimestamp.Rfc3339(time.GetUtcNow()), Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 3),
                reason, documents, missing, wrongly, extra);
            if (await store.SwitchAsync(staging, version, position, sequence, CountStore.SourceSignature(definition.Name, o.Stream, o.Windows),
                    JsonSerializer.Serialize(done, CountingJson.Default.Reconciliation)))
            {
                metrics.FullPasses.WithLabels(reason).Inc();
                logger.LogInformation("Full pass over index {Index} ({Reason}) counted {Documents} documents in {Seconds} s; the counts it replaced " +
                    "had missed {Missed}, counted {Wrong} wrongly and held {Extra} the index no longer has", definition.Name, reason, documents,
                    done.DurationSeconds, missing, wrongly, extra);
                break;
            }
            if (attempt >= CountStore.Attempts) throw new InvalidOperationException($"the full pass could not switch the counts in {CountStore.Attempts} attempts");
        }
        if (replaced is not null && replaced.Generation != staging.Generation) await store.DropGenerationAsync(replaced);
        return true;
    }

    /// <summary>
    /// Counts the stream entries after a position into a staging generation; returns the position reached, or null (and
    /// drops the generation) when entries after it were lost before it read them: its counts would miss them.
    /// </summary>
    private async Task<(string Position, long Sequence)?> ReplayAsync(IndexDefinition definition, CountKeys staging,
        IReadOnlyDictionary<string, long> starts, string position, long sequence, ISet<string> changed, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await stream.ReadAfterAsync(position, sequence, StreamPageSize);
            if (read.Lost)
            {
                ReportLoss(position, "during a full pass");
                await store.DropGenerationAsync(staging);
                return null;
            }
            if (read.LastId == position) return (position, sequence);
            var changes = await ReadChangesAsync(definition, read.Entries.Select(e => e.Key).Distinct().ToList(), cancellationToken);
            await store.ApplyAsync(staging, changes, starts, version: null);
            changed.UnionWith(changes.Select(c => c.Key));
            (position, sequence) = (read.LastId, read.Sequence);
        }
    }

    /// <summary>
    /// What the live counts had wrong, leaving out the documents the stream named during the pass (both generations took
    /// those in from the stream): documents they missed, documents they counted with another minute, severity or system,
    /// and, by count, records of documents the index no longer holds (the new generation holds every document and none
    /// other, so the live records it lacks are the live count plus those missed less its own).
    /// </summary>
    private async Task<(long Missed, long Wrong, long Extra)> CorrectionsAsync(CountKeys? live, CountKeys staging, HashSet<string> missed,
        HashSet<string> wrong, HashSet<string> changed)
    {
        if (live is null) return (0, 0, 0);
        var missing = missed.Count(k => !changed.Contains(k));
        var extra = Math.Max(0, await store.CountRecordsAsync(live) + missing - await store.CountRecordsAsync(staging));
        return (missing, wrong.Count(k => !changed.Contains(k)), extra);
    }

    public static Reconciliation? Parse(string? json) =>
        string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize(json, CountingJson.Default.Reconciliation);
}
