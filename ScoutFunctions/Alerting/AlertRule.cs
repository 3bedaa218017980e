using Scout.Analytics;
using Scout.Configuration;

namespace Scout.Alerting;

/// <summary>A threshold rule of the Go service: same titles, severities and tags.</summary>
public sealed record AlertRule(string Name, string Title, string Severity, string Tags, string CountName)
{
    public static readonly AlertRule Error = new("error", "Scout: Error threshold exceeded", "WARNING", "scout,threshold,error", "Error count");
    public static readonly AlertRule Critical = new("critical", "Scout: Critical threshold exceeded", "CRITICAL", "scout,threshold,critical", "Critical count");
    public static readonly AlertRule Total = new("total", "Scout: Total alerts threshold exceeded", "ERROR", "scout,threshold,alerts", "Total alert count");

    public static readonly AlertRule[] All = [Error, Critical, Total];
}

/// <summary>A rule whose threshold the snapshot reached.</summary>
public sealed record TriggeredAlert(AlertRule Rule, long Count, long Threshold, string Window)
{
    public string Message => Window == AnalyticsWindow.AllName
        ? $"{Rule.CountName} {Count} across all indexed messages exceeds threshold {Threshold}"
        : $"{Rule.CountName} {Count} in the last {Window} exceeds threshold {Threshold}";
}

/// <summary>The threshold rules as plain code: which rules a snapshot triggers. A threshold of 0 disables a rule.</summary>
public static class AlertRules
{
    public static IReadOnlyList<TriggeredAlert> Evaluate(AlertStats alerts, string window, int errorThreshold, int criticalThreshold)
    {
        var triggered = new List<TriggeredAlert>();
        var errors = Count(alerts, "error");
        var criticals = Count(alerts, "critical");
        if (errorThreshold > 0 && errors >= errorThreshold)
            triggered.Add(new TriggeredAlert(AlertRule.Error, errors, errorThreshold, window));
        if (criticalThreshold > 0 && criticals >= criticalThreshold)
            triggered.Add(new TriggeredAlert(AlertRule.Critical, criticals, criticalThreshold, window));
        // As in the Go service: total alerts against the sum of both thresholds, while the error rule is on.
        var totalThreshold = (long)errorThreshold + criticalThreshold;
        if (errorThreshold > 0 && alerts.TotalAlerts >= totalThreshold)
            triggered.Add(new TriggeredAlert(AlertRule.Total, alerts.TotalAlerts, totalThreshold, window));
        return triggered;
    }

    /// <summary>Severity keys are lower-cased by the aggregation; match case-insensitively anyway.</summary>
    private static long Count(AlertStats alerts, string severity) =>
        alerts.SeverityCounts.Where(kv => string.Equals(kv.Key, severity, StringComparison.OrdinalIgnoreCase)).Sum(kv => kv.Value);
}
