using Microsoft.Extensions.Options;
using Scout.Configuration;
using Scout.Alerting;
using Scout.Hosting;

namespace Scout.Functions;

/// <summary>On ALERT_SCHEDULE (default SCOUT_INTERVAL): compare the alert window's counts with the thresholds.</summary>
public sealed class EvaluateAlertsFunction(AlertEvaluator evaluator, IConfiguration settings, IOptionsMonitor<ScoutOptions> options) : ITimerFunction
{
    public string Name => "EvaluateAlerts";
    public string Schedule => string.IsNullOrWhiteSpace(settings["ALERT_SCHEDULE"]) ? "%SCOUT_INTERVAL%" : "%ALERT_SCHEDULE%";
    public bool RunOnStartup => false;
    public string? DisabledReason => options.CurrentValue.AlertingEnabled ? null : "ALERT_PITCHER_URL is empty, no meta-alerts are sent";

    public Task RunAsync(TimerInfo timer, CancellationToken cancellationToken) => evaluator.EvaluateAsync(cancellationToken);
}
