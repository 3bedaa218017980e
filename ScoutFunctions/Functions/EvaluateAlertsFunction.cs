using FunctionsSelfHost.Functions;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Scout.Alerting;
using Scout.Configuration;

namespace Scout.Functions;

/// <summary>On ALERT_SCHEDULE (default SCOUT_INTERVAL): compare the alert window's counts with the thresholds.</summary>
public sealed class EvaluateAlertsFunction(AlertEvaluator evaluator, IOptionsMonitor<ScoutOptions> options) : IConditionalFunction
{
    public string? DisabledReason => options.CurrentValue.AlertingEnabled ? null : "ALERT_PITCHER_URL is empty, no meta-alerts are sent";

    [Function("EvaluateAlerts")]
    public Task RunAsync([TimerTrigger("%ALERT_SCHEDULE%")] TimerInfo timer, CancellationToken cancellationToken) =>
        DisabledReason is null ? evaluator.EvaluateAsync(cancellationToken) : Task.CompletedTask;
}
