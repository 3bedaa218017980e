using Microsoft.Extensions.Options;
using Prometheus;
using Scout.Analytics;
using Scout.Configuration;

namespace Scout.Observability;

/// <summary>
/// Sets the snapshot gauges from Redis at scrape time, so every replica reports the same numbers
/// whichever of them ran the last aggregation.
/// </summary>
public sealed class SnapshotGauges(ScoutMetrics metrics, ISnapshotStore store, IOptionsMonitor<ScoutOptions> options, TimeProvider time, ILogger<SnapshotGauges> logger)
{
    public void Register() => metrics.Registry.AddBeforeCollectCallback(RefreshAsync);

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            var now = time.GetUtcNow();
            foreach (var window in options.CurrentValue.WindowNames)
            {
                var snapshot = await store.GetAsync(window);
                if (snapshot is not null) metrics.SnapshotAge.WithLabels(window).Set((now - snapshot.GeneratedAt).TotalSeconds);
                if (window == AnalyticsWindow.AllName && snapshot is not null) Apply(snapshot);
            }
        }
        catch (Exception error)
        {
            // Serve the last values; the scrape itself must not fail because Redis is down.
            logger.LogDebug("Could not refresh snapshot gauges: {Error}", error.Message);
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
