using Microsoft.Extensions.Options;
using Scout.Caching;
using Scout.Configuration;

namespace Scout.Analytics;

/// <summary>
/// The snapshots the HTTP functions, /health and the scrape serve: held in memory per window and refreshed in the
/// background (see <see cref="HeldReads"/>), so a frozen Redis never holds a request once a window's snapshot is
/// held. Snapshots change once per interval, so a second of staleness costs nothing; past <see cref="StaleAfter"/>
/// (three intervals without a new one) the answer says it is stale instead of silently serving old numbers.
/// </summary>
public sealed class SnapshotCache(ISnapshotStore store, HeldReads held, IOptionsMonitor<ScoutOptions> options, TimeProvider time)
{
    private const string Kind = HeldReads.SnapshotKind;

    /// <summary>How many intervals without a new snapshot make the one served stale.</summary>
    public const int StaleAfterIntervals = 3;

    public TimeSpan StaleAfter => options.CurrentValue.Interval * StaleAfterIntervals;

    /// <summary>The snapshot held for the window; waits (bounded) only while none is held yet.</summary>
    public Task<AnalyticsSnapshot?> GetAsync(string window) => held.GetAsync(Kind, window, () => store.GetAsync(window));

    /// <summary>The name the timeline is held under beside the windows' snapshots (no window is named so: windows are durations).</summary>
    public const string TimelineName = "timeline";

    /// <summary>The timeline held, refreshed like the windows' snapshots; waits (bounded) only while none is held yet.</summary>
    public Task<TimelineSnapshot?> GetTimelineAsync() => held.GetAsync(Kind, TimelineName, store.GetTimelineAsync);

    public bool IsStale(DateTimeOffset generatedAt) => time.GetUtcNow() - generatedAt > StaleAfter;

    public bool IsStale(AnalyticsSnapshot snapshot) => Age(snapshot) > StaleAfter;

    public TimeSpan Age(AnalyticsSnapshot snapshot) => time.GetUtcNow() - snapshot.GeneratedAt;

    /// <summary>Every configured window's held snapshot (null when none arrives within <paramref name="wait"/>) and its read status.</summary>
    public async Task<IReadOnlyList<HeldSnapshot>> AllAsync(TimeSpan wait)
    {
        var windows = options.CurrentValue.WindowNames.ToList();
        var snapshots = await Task.WhenAll(windows.Select(async window =>
        {
            try
            {
                return await GetAsync(window).WaitAsync(wait, time);
            }
            catch (Exception)
            {
                return null; // unreadable: the read status says why
            }
        }));
        return windows.Select((window, i) => new HeldSnapshot(window, snapshots[i], held.Status(Kind, window))).ToList();
    }
}

/// <summary>A window's snapshot as this replica holds it, and how its reads from Redis went.</summary>
public sealed record HeldSnapshot(string Window, AnalyticsSnapshot? Snapshot, ReadStatus? Reads);
