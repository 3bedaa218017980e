using System.Diagnostics;
using Microsoft.Extensions.Options;
using Scout.Configuration;
using Scout.Observability;

namespace Scout.Analytics;

/// <summary>One aggregation cycle: discover the index, count every window in one query, store the snapshots.</summary>
public sealed class AnalyticsAggregator(
    ISearchIndex index,
    ISnapshotStore store,
    IOptionsMonitor<ScoutOptions> options,
    TimeProvider time,
    ScoutMetrics metrics,
    ILogger<AnalyticsAggregator> logger)
{
    public async Task<IReadOnlyList<AnalyticsSnapshot>> RunAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var definition = await index.EnsureIndexAsync(cancellationToken);
            var plan = new WindowPlan(options.CurrentValue.Windows, time.GetUtcNow());
            var counts = await index.CountByWindowAsync(definition, plan, cancellationToken);
            var source = AggregatedFrom.Of(definition);
            var snapshots = SnapshotBuilder.Build(counts, plan, Stopwatch.GetElapsedTime(started)).Select(s => s with { Index = source }).ToList();
            await store.SaveAsync(snapshots);
            logger.LogInformation("Aggregated {Total} messages in {Groups} groups for windows {Windows} through {IndexSource} index {IndexName} ({KeyType}, {Timestamp} timestamps)",
                snapshots[0].TotalMessages, counts.Count, string.Join(",", snapshots.Select(s => s.Window)), source.Source, definition.Name, definition.KeyType, definition.Timestamp);
            return snapshots;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // The previous snapshot stays in place: a failed cycle never overwrites good numbers with zeros.
            metrics.AggregationErrors.Inc();
            throw;
        }
        finally
        {
            metrics.AggregationDuration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }
}
