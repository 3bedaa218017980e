using Scout.Counting;

namespace Scout.Analytics;

// The Go service's response shapes, field for field.
public sealed record SummaryView(long TotalMessages, IReadOnlyDictionary<string, long> SeverityCounts, string TimeWindow, string LastUpdated,
    string? WindowStart = null);

public sealed record SystemsView(IReadOnlyList<SystemCount> Systems, int Total, string LastUpdated);

public sealed record AlertsView(long TotalAlerts, IReadOnlyDictionary<string, long> SeverityCounts, IReadOnlyList<SystemCount> TopSystems, string LastUpdated);

public static class AnalyticsViews
{
    /// <summary>Set to "true" on an answer from a snapshot older than the stale age (SnapshotCache.StaleAfter).</summary>
    public const string StaleHeader = "Scout-Stale";

    public static SummaryView Summary(AnalyticsSnapshot s) => new(s.TotalMessages, s.SeverityCounts, s.Window, MessageTimestamp.Rfc3339(s.GeneratedAt),
        s.WindowStart is { } start ? MessageTimestamp.Rfc3339(start) : null);

    public static SystemsView Systems(AnalyticsSnapshot s) => new(s.Systems, s.SystemsTotal, MessageTimestamp.Rfc3339(s.GeneratedAt));

    public static AlertsView Alerts(AnalyticsSnapshot s) =>
        new(s.Alerts.TotalAlerts, s.Alerts.SeverityCounts, s.Alerts.TopSystems, MessageTimestamp.Rfc3339(s.GeneratedAt));
}
