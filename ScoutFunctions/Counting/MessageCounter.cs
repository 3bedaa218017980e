using Microsoft.Extensions.Options;
using Scout.Configuration;
using Scout.Observability;
using Scout.Search;

namespace Scout.Counting;

/// <summary>
/// Keeps Scout's counts current. Each cycle moves the windows' starts to now, then counts the stream entries added
/// since the stored cursor (only those documents are read). A <see cref="FullPass"/> rebuilds the counts when the
/// stream cannot say what is new (first start, entries lost before Scout read them, other windows, index or stream);
/// and, after the cycle's snapshots are stored, every SCOUT_RECONCILE_INTERVAL (<see cref="Reconciler"/>).
/// </summary>
public sealed class MessageCounter(
    CountStore store,
    StreamFollower stream,
    StreamCatchUp catchUp,
    FullPass fullPass,
    IOptionsMonitor<ScoutOptions> options,
    TimeProvider time,
    ScoutMetrics metrics)
{
    /// <summary>Full passes one cycle may start when the stream keeps losing entries before they are read.</summary>
    private const int MaxFullPasses = 3;

    /// <summary>Brings the counts up to date; returns the state they are in and the instant the windows' starts were set for.</summary>
    public async Task<(CountState State, DateTimeOffset At)> RunAsync(IndexDefinition definition, CancellationToken cancellationToken)
    {
        var state = await store.ReadStateAsync();
        var reason = await FullPassReasonAsync(definition, state);
        for (var attempt = 1; ; attempt++)
        {
            // The state read once; again only after a full pass replaced it.
            if (reason is not { } why || await fullPass.RunAsync(definition, state, why, null, cancellationToken))
            {
                if (reason is not null) state = await store.ReadStateAsync();
                if (await SlideAndFollowAsync(definition, state, cancellationToken) is { } counted) return counted;
            }
            state = await store.ReadStateAsync();
            reason = FullPassReason.StreamLost;
            if (attempt >= MaxFullPasses)
                throw new InvalidOperationException($"the stream {options.CurrentValue.Stream} lost entries before Scout read them in {attempt} " +
                    "attempts: something trims it (MAXLEN, XTRIM) faster than Scout counts; shorten SCOUT_INTERVAL or trim it less");
        }
    }

    /// <summary>
    /// Brings the counts up to date from the stream alone; null when that needs a full pass. What a reconciliation runs
    /// between its pages to keep serving (the pass itself, when it ends, counts what this could not).
    /// </summary>
    public async Task<(CountState State, DateTimeOffset At)?> FollowOnlyAsync(IndexDefinition definition, CancellationToken cancellationToken)
    {
        var state = await store.ReadStateAsync();
        return await FullPassReasonAsync(definition, state) is null ? await SlideAndFollowAsync(definition, state, cancellationToken) : null;
    }

    /// <summary>Moves the windows' starts to now and counts the stream's new entries; null when entries were lost before they were read.</summary>
    private async Task<(CountState State, DateTimeOffset At)?> SlideAndFollowAsync(IndexDefinition definition, CountState state, CancellationToken cancellationToken)
    {
        var at = time.GetUtcNow();
        var live = new LiveCounts(store, state);
        await SlideAsync(live, at, cancellationToken);
        var (end, entries) = await catchUp.RunAsync(definition, live, options.CurrentValue.MaxStreamPagesPerCycle, null, cancellationToken);
        metrics.StreamEntriesCounted.Inc(entries);
        if (end != CatchUpEnd.Lost) return (live.State, at);
        catchUp.ReportLoss(live.State.Cursor, "while a cycle read the stream");
        return null;
    }

    /// <summary>
    /// Moves every window's start to the minute of now − its length: the minutes that left a window are taken out of it,
    /// at the cost of the minutes passed since the last move. A start never moves back (the clock went back): the window
    /// keeps counting those minutes until time catches up.
    /// </summary>
    private Task SlideAsync(LiveCounts live, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var wanted = CountingModel.StartsAt(options.CurrentValue.Windows, at);
        return live.WriteAsync("the windows' starts", async (state, keys) =>
        {
            if (CountingModel.SlideRanges(state.Starts, wanted) is not { Count: > 0 } ranges) return null;
            var changes = CountingModel.Slide(ranges, await store.ReadMinuteCountsAsync(keys, ranges));
            return new CountWrite(keys, changes, state.Version);
        }, cancellationToken);
    }

    /// <summary>Why the stream alone cannot bring the counts up to date, or null when it can.</summary>
    private async Task<FullPassReason?> FullPassReasonAsync(IndexDefinition definition, CountState state)
    {
        var o = options.CurrentValue;
        if (state.Live is null) return FullPassReason.FirstStart;
        if (state.LiveKeys is null) return FullPassReason.LayoutChanged;
        if (state.Source != CountStore.SourceSignature(definition.Name, o.Stream, o.Windows))
        {
            // Counts of an older Scout hold the windows only: they do not say which index and stream they came from.
            var windows = CountStore.WindowsSignature(o.Windows);
            var sameWindows = state.Source == windows || state.Source?.EndsWith("|" + windows, StringComparison.Ordinal) == true;
            return sameWindows ? FullPassReason.IndexOrStreamChanged : FullPassReason.WindowsChanged;
        }
        var mark = await stream.MarkAsync();
        if (mark.LostAfter(state.Cursor.Position, state.Cursor.Sequence))
        {
            catchUp.ReportLoss(state.Cursor, "between two cycles");
            return FullPassReason.StreamLost;
        }
        var behind = StreamFollower.Compare(mark.LastId, state.Cursor.Position) < 0 || mark.EntriesAdded < state.Cursor.Sequence;
        return mark.Exists && behind ? FullPassReason.StreamRecreated : null;
    }
}
