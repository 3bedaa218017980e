using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Scout.Configuration;
using Scout.Observability;
using Scout.Search;

namespace Scout.Counting;

/// <summary>
/// The periodic reconciliation: a full pass over live counts that are otherwise up to date, every
/// SCOUT_RECONCILE_INTERVAL. Its start is recorded first: one that does not finish is tried again an interval later,
/// not every cycle; whatever happens to it, the counts the stream keeps stay served.
/// </summary>
public sealed class Reconciler(
    CountStore store,
    FullPass fullPass,
    IOptionsMonitor<ScoutOptions> options,
    TimeProvider time,
    ScoutMetrics metrics,
    ILogger<Reconciler> logger)
{
    /// <summary>
    /// Reconciles when it is due. The cycle runs it after its snapshots are stored and gives it <paramref name="meanwhile"/>,
    /// run every SCOUT_INTERVAL between its pages. Returns true when it replaced the counts.
    /// </summary>
    /// <param name="state">The state the cycle left the counts in.</param>
    public async Task<bool> ReconcileIfDueAsync(IndexDefinition definition, CountState state, Func<Task>? meanwhile, CancellationToken cancellationToken)
    {
        if (state.LiveKeys is null || !IsDue(state)) return false;
        var started = Stopwatch.GetTimestamp();
        await store.RecordReconcileStartedAsync(MessageTimestamp.Rfc3339(time.GetUtcNow()));
        string why;
        try
        {
            if (await fullPass.RunAsync(definition, state, FullPassReason.ReconciliationDue, meanwhile, cancellationToken)) return true;
            why = "the stream lost entries it had to count before it read them";
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            metrics.ReconciliationFailures.Inc();
            await fullPass.DropAbandonedAsync();
            throw;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            why = error.Message;
            await fullPass.DropAbandonedAsync();
        }
        metrics.ReconciliationFailures.Inc();
        logger.LogWarning("Reconciliation over index {Index} failed after {Seconds} s ({Error}); the counts the stream keeps stay served, " +
            "and it is tried again in {Interval} (SCOUT_RECONCILE_INTERVAL)", definition.Name,
            Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 1), why, options.CurrentValue.ReconcileInterval);
        return false;
    }

    /// <summary>Due an interval after the last reconciliation ended or the last attempt began, whichever is later.</summary>
    private bool IsDue(CountState state)
    {
        var last = new[] { Parse(state.Reconciliation)?.At, state.ReconcileStarted }.OfType<string>()
            .Select(at => DateTimeOffset.Parse(at, CultureInfo.InvariantCulture))
            .DefaultIfEmpty(DateTimeOffset.MinValue).Max();
        return time.GetUtcNow() - last >= options.CurrentValue.ReconcileInterval;
    }

    public static Reconciliation? Parse(string? json) =>
        string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize(json, CountingJson.Default.Reconciliation);
}
