using Scout.Configuration;
using Scout.Search;

namespace Scout.Analytics;

/// <summary>Turns the windowed counts of one query into a snapshot per window. Plain code, no I/O.</summary>
public static class SnapshotBuilder
{
    public const int TopSystems = 20;
    public const int TopAlertingSystems = 10;
    public static readonly string[] AlertSeverities = ["error", "critical"];

    public static IReadOnlyList<AnalyticsSnapshot> Build(
        IReadOnlyList<WindowedCount> counts, WindowPlan plan, TimeSpan cycleDuration)
    {
        var snapshots = new List<AnalyticsSnapshot>(plan.Windows.Count + 1)
        {
            BuildWindow(AnalyticsWindow.AllName, counts, plan.Now, cycleDuration),
        };
        for (var i = 0; i < plan.Windows.Count; i++)
        {
            var windowIndex = i;
            var inWindow = counts.Where(c => plan.Contains(c.Bucket, windowIndex)).ToList();
            snapshots.Add(BuildWindow(plan.Windows[i].Name, inWindow, plan.Now, cycleDuration));
        }
        return snapshots;
    }

    public static AnalyticsSnapshot BuildWindow(string window, IReadOnlyList<WindowedCount> counts, DateTimeOffset now, TimeSpan duration)
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

    private static Dictionary<string, long> Sum(IEnumerable<WindowedCount> counts, Func<WindowedCount, string> key)
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
