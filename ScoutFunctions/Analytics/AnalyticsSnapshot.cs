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
    AlertStats Alerts);

public sealed record SystemCount(string System, long Count);

public sealed record AlertStats(long TotalAlerts, IReadOnlyDictionary<string, long> SeverityCounts, IReadOnlyList<SystemCount> TopSystems);
