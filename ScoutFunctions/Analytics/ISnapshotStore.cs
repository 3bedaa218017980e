namespace Scout.Analytics;

/// <summary>Where snapshots live between the aggregation timer and the HTTP functions.</summary>
public interface ISnapshotStore
{
    /// <summary>Replaces the snapshots of every window (and the cycle's timeline, when given) at once, so readers never see a mix of two cycles.</summary>
    Task SaveAsync(IReadOnlyList<AnalyticsSnapshot> snapshots, TimelineSnapshot? timeline = null);

    /// <summary>The latest snapshot of a window, or null when no cycle has stored one yet.</summary>
    Task<AnalyticsSnapshot?> GetAsync(string window);

    /// <summary>The latest timeline, or null when no cycle has stored one yet.</summary>
    Task<TimelineSnapshot?> GetTimelineAsync();
}
