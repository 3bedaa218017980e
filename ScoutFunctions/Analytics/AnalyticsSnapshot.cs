using Scout.Search;

namespace Scout.Analytics;

/// <summary>
/// Everything the analytics endpoints serve for one window, as one aggregation cycle computed it. A window counts the
/// messages whose timestamp is at or after <see cref="WindowStart"/>: the start of the minute of (cycle time − length).
/// </summary>
public sealed record AnalyticsSnapshot(
    string Window,
    DateTimeOffset GeneratedAt,
    double CycleDurationSeconds,
    long TotalMessages,
    IReadOnlyDictionary<string, long> SeverityCounts,
    IReadOnlyList<SystemCount> Systems,
    int SystemsTotal,
    AlertStats Alerts,
    AggregatedFrom? Index = null,
    DateTimeOffset? WindowStart = null,
    Scout.Counting.Reconciliation? Reconciliation = null);

/// <summary>
/// The index a cycle read. Source is always "producer" now; it said "scout" while an earlier version read an index of
/// its own, and stays so readers of the snapshot keep their shape.
/// </summary>
public sealed record AggregatedFrom(string Name, string Source)
{
    public static AggregatedFrom Of(IndexDefinition index) => new(index.Name, "producer");
}

public sealed record SystemCount(string System, long Count);

public sealed record AlertStats(long TotalAlerts, IReadOnlyDictionary<string, long> SeverityCounts, IReadOnlyList<SystemCount> TopSystems);
