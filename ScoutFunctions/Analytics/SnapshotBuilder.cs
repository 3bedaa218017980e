namespace Scout.Analytics;

/// <summary>How many messages of one window share severity and system.</summary>
public sealed record GroupCount(string Severity, string System, long Count);

/// <summary>Turns one window's counts into its snapshot. Plain code, no I/O.</summary>
public static class SnapshotBuilder
{
    public const int TopSystems = 20;
    public const int TopAlertingSystems = 10;
    public static readonly string[] AlertSeverities = ["error", "critical"];

    public static AnalyticsSnapshot BuildWindow(string window, IReadOnlyList<GroupCount> counts, DateTimeOffset now, TimeSpan duration)
    {
        var severities = Ranked(Sum(counts, c => c.Severity)).ToDictionary(s => s.System, s => s.Count);
        var systems = Ranked(Sum(counts, c => c.System));
        var alerts = counts.Where(c => AlertSeverities.Contains(c.Severity)).ToList();
        var alertSeverities = AlertSeverities.ToDictionary(s => s, s => severities.GetValueOrDefault(s));
        return new AnalyticsSnapshot(
            window,
            now,
            duration.TotalSeconds,
            counts.Sum(c => c.Count),
            severities,
            systems.Take(TopSystems).ToList(),
            systems.Count,
            new AlertStats(alertSeverities.Values.Sum(), alertSeverities, Ranked(Sum(alerts, c => c.System)).Take(TopAlertingSystems).ToList()));
    }

    private static Dictionary<string, long> Sum(IEnumerable<GroupCount> counts, Func<GroupCount, string> key)
    {
        var sums = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var count in counts)
            sums[key(count)] = sums.GetValueOrDefault(key(count)) + count.Count;
        return sums;
    }

    /// <summary>Count descending, then name, so equal counts come out in a stable order.</summary>
    private static List<SystemCount> Ranked(Dictionary<string, long> sums) => sums
        .Where(s => s.Value > 0)
        .Select(s => new SystemCount(s.Key, s.Value))
        .OrderByDescending(s => s.Count)
        .ThenBy(s => s.System, StringComparer.Ordinal)
        .ToList();
}
