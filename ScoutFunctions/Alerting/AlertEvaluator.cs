using Microsoft.Extensions.Options;
using Scout.Analytics;
using Scout.Configuration;
using Scout.Observability;

namespace Scout.Alerting;

/// <summary>One evaluation: read the alert window's snapshot, apply the rules, send what is not cooling down.</summary>
public sealed class AlertEvaluator(
    ISnapshotStore snapshots,
    AlertCooldowns cooldowns,
    PitcherClient pitcher,
    IOptionsMonitor<ScoutOptions> options,
    TimeProvider time,
    ScoutMetrics metrics,
    ILogger<AlertEvaluator> logger)
{
    public async Task EvaluateAsync(CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var snapshot = await snapshots.GetAsync(o.AlertWindow);
        var age = snapshot is null ? TimeSpan.MaxValue : time.GetUtcNow() - snapshot.GeneratedAt;
        if (snapshot is null || age > 2 * o.Interval)
        {
            // Stale numbers would re-send or miss alerts: skip until aggregation catches up.
            logger.LogWarning("Alert evaluation skipped: the {Window} snapshot is {Age} (older than two intervals of {Interval})",
                o.AlertWindow, snapshot is null ? "missing" : GoDuration.Format(age) + " old", o.IntervalText);
            foreach (var rule in AlertRule.All) metrics.AlertsSuppressed.WithLabels(rule.Name, "stale").Inc();
            return;
        }

        foreach (var alert in AlertRules.Evaluate(snapshot.Alerts, snapshot.Window, o.ErrorThreshold, o.CriticalThreshold))
            await RaiseAsync(alert, o.Cooldown, cancellationToken);
    }

    private async Task RaiseAsync(TriggeredAlert alert, TimeSpan cooldown, CancellationToken cancellationToken)
    {
        var claim = await cooldowns.TryClaimAsync(alert.Rule.Name, cooldown);
        if (claim is null)
        {
            metrics.AlertsSuppressed.WithLabels(alert.Rule.Name, "cooldown").Inc();
            logger.LogDebug("Alert {Rule} suppressed: cooling down", alert.Rule.Name);
            return;
        }

        DeliveryResult? result = null;
        try
        {
            result = await pitcher.SendAsync(PitchMessage.From(alert), cancellationToken);
        }
        finally
        {
            // Delayed, never lost: whatever stopped the delivery (an answer, shutdown, an open circuit),
            // the claim is freed so this or another replica tries again next cycle.
            if (result is not { Delivered: true }) await ReleaseQuietlyAsync(alert.Rule.Name, claim);
        }
        if (result.Delivered)
        {
            metrics.AlertsSent.WithLabels(alert.Rule.Name).Inc();
            logger.LogInformation("Alert {Rule} sent: {Message}", alert.Rule.Name, alert.Message);
            return;
        }
        metrics.AlertsFailed.WithLabels(alert.Rule.Name).Inc();
        logger.LogWarning("Alert {Rule} not delivered ({Detail}); will retry next cycle", alert.Rule.Name, result.Detail);
    }

    private async Task ReleaseQuietlyAsync(string rule, string claim)
    {
        try
        {
            await cooldowns.ReleaseAsync(rule, claim);
        }
        catch (Exception error)
        {
            // The claim then expires with its cooldown: the alert is late, and the log says why.
            logger.LogWarning("Alert {Rule}: cooldown claim could not be released ({Error})", rule, error.Message);
        }
    }
}
