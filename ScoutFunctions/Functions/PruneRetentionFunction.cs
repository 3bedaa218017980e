using Microsoft.Extensions.Options;
using Scout.Configuration;
using Scout.Hosting;
using Scout.Retention;

namespace Scout.Functions;

/// <summary>On SCOUT_RETENTION_SCHEDULE (default SCOUT_INTERVAL): delete expired messages and trim the stream.</summary>
public sealed class PruneRetentionFunction(RetentionPruner pruner, IConfiguration settings, IOptionsMonitor<ScoutOptions> options) : ITimerFunction
{
    public string Name => "PruneRetention";
    public string Schedule => string.IsNullOrWhiteSpace(settings["SCOUT_RETENTION_SCHEDULE"]) ? "%SCOUT_INTERVAL%" : "%SCOUT_RETENTION_SCHEDULE%";
    public bool RunOnStartup => false;
    public string? DisabledReason => options.CurrentValue.RetentionEnabled ? null : "SCOUT_RETENTION_ENABLED is false";

    public Task RunAsync(TimerInfo timer, CancellationToken cancellationToken) => pruner.RunAsync(cancellationToken);
}
