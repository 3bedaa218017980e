using FunctionsSelfHost.Functions;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Scout.Configuration;
using Scout.Retention;

namespace Scout.Functions;

/// <summary>On SCOUT_RETENTION_SCHEDULE (default SCOUT_INTERVAL): delete expired messages and trim the stream.</summary>
public sealed class PruneRetentionFunction(RetentionPruner pruner, IOptionsMonitor<ScoutOptions> options) : IConditionalFunction
{
    public string? DisabledReason => options.CurrentValue.RetentionEnabled ? null : "SCOUT_RETENTION_ENABLED is false";

    [Function("PruneRetention")]
    public Task RunAsync([TimerTrigger("%SCOUT_RETENTION_SCHEDULE%")] TimerInfo timer, CancellationToken cancellationToken) =>
        DisabledReason is null ? pruner.RunAsync(cancellationToken) : Task.CompletedTask;
}
