using Prometheus;
using Scout.Caching;
using Scout.Configuration;
using Scout.Observability;

namespace Scout.Analytics;

/// <summary>
/// Sets the snapshot gauges at scrape time from the snapshots held for the HTTP functions (refreshed from Redis in the
/// background), so every replica reports the same numbers whichever of them ran the last aggregation, and a frozen
/// Redis never holds a scrape: a window with nothing held within <see cref="ReadBounds.Scrape"/> keeps its last values.
/// </summary>
public sealed class SnapshotGauges(ScoutMetrics metrics, SnapshotCache snapshots) : IHostedService
{
    /// <summary>Hooks the refresh into every scrape, once, when the host starts (either host).</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        metrics.Registry.AddBeforeCollectCallback(RefreshAsync);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        foreach (var held in await snapshots.AllAsync(ReadBounds.Scrape))
        {
            if (held.Snapshot is not { } snapshot) continue;
            metrics.SnapshotAge.WithLabels(held.Window).Set(snapshots.Age(snapshot).TotalSeconds);
            metrics.SnapshotStale.WithLabels(held.Window).Set(snapshots.IsStale(snapshot) ? 1 : 0);
            if (held.Window == AnalyticsWindow.AllName) Apply(snapshot);
        }
    }

    private void Apply(AnalyticsSnapshot snapshot)
    {
        metrics.MessagesTotal.Set(snapshot.TotalMessages);
        metrics.SystemsTotal.Set(snapshot.SystemsTotal);
        SetAll(metrics.SeverityCount, snapshot.SeverityCounts.Select(kv => (kv.Key, kv.Value)));
        SetAll(metrics.SystemMessageCount, snapshot.Systems.Select(s => (s.System, s.Count)));
        SetAll(metrics.AlertCount, snapshot.Alerts.SeverityCounts.Select(kv => (kv.Key, kv.Value)));
        SetAll(metrics.TopAlertingSystemCount, snapshot.Alerts.TopSystems.Select(s => (s.System, s.Count)));
    }

    /// <summary>Sets one series per label and drops series whose label left the snapshot.</summary>
    private static void SetAll(Gauge gauge, IEnumerable<(string Label, long Value)> values)
    {
        var current = values.ToDictionary(v => v.Label, v => v.Value);
        foreach (var labels in gauge.GetAllLabelValues().ToList())
            if (!current.ContainsKey(labels[0])) gauge.RemoveLabelled(labels);
        foreach (var (label, value) in current) gauge.WithLabels(label).Set(value);
    }
}
