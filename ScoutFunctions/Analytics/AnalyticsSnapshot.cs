namespace Scout.Analytics;

/// <summary>Everything the analytics endpoints serve for one window, as one aggregation cycle computed it.</summary>
public sealed record AnalyticsSnapshot(
    string Window,
    DateTimeOffset GeneratedAt,
    double CycleDurationSeconds,
    long TotalMessages,
    IReadOnlyDictionary<string, long> SeverityCounts,
    IReadOnlyList<SystemCount> Systems,
    int SystemsTotal,
    AlertStats Alerts,
    AggregatedFrom? Index = null);

/// <summary>The index a cycle read: Scout's own ("scout") or the producer's ("producer"), e.g. while Scout's is being built.</summary>
public sealed record AggregatedFrom(string Name, string Source)
{
    public static AggregatedFrom Of(IndexDefinition index) =>
        new(index.Name, index.Source == IndexSource.Scout ? "scout" : "producer");
}

public sealed record SystemCount(string System, long Count);

public sealed record AlertStats(long TotalAlerts, IReadOnlyDictionary<string, long> SeverityCounts, IReadOnlyList<SystemCount> TopSystems);
