using System.Diagnostics;
using Microsoft.Extensions.Options;
using Scout.Configuration;
using Scout.Counting;
using Scout.Observability;
using Scout.Search;

namespace Scout.Analytics;

/// <summary>One aggregation cycle: bring Scout's counts up to date (the stream's new entries), turn them into snapshots, store them.</summary>
public sealed class AnalyticsAggregator(
    ISearchIndex index,
    MessageCounter counter,
    Reconciler reconciler,
    MinuteCountsReader minuteCounts,
    ISnapshotStore store,
    IOptionsMonitor<ScoutOptions> options,
    ScoutMetrics metrics,
    ILogger<AnalyticsAggregator> logger)
{
    public async Task<IReadOnlyList<AnalyticsSnapshot>> RunAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var definition = await index.EnsureIndexAsync(cancellationToken);
            var counted = await counter.RunAsync(definition, cancellationToken);
            var snapshots = await SaveAsync(definition, counted, started);
            // After the snapshots are stored, and serving between its pages: a reconciliation that takes long, fails or
            // times out never holds back the counts.
            async Task ServeMeanwhile()
            {
                try
                {
                    if (await counter.FollowOnlyAsync(definition, cancellationToken) is { } followed) snapshots = await SaveAsync(definition, followed, started);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    // The snapshot stored before stays; the pass goes on (and ends with its own counts).
                    metrics.AggregationErrors.Inc();
                    logger.LogWarning("Counting the stream between the reconciliation's pages failed ({Error}); the last snapshot stays", error.Message);
                }
            }
            if (await reconciler.ReconcileIfDueAsync(definition, counted.State, ServeMeanwhile, cancellationToken))
                snapshots = await SaveAsync(definition, await counter.RunAsync(definition, cancellationToken), started);
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

    /// <summary>The stream position the last "Aggregated" line named: a cycle that did not move it logs at debug.</summary>
    private string? _loggedPosition;

    /// <summary>Turns every window of the counts into a snapshot and stores them.</summary>
    private async Task<IReadOnlyList<AnalyticsSnapshot>> SaveAsync(IndexDefinition definition, (CountState State, DateTimeOffset At) counted, long started)
    {
        var (state, at) = counted;
        var windows = options.CurrentValue.Windows;
        var names = windows.Select(w => w.Name).Prepend(AnalyticsWindow.AllName).ToList();
        var starts = CountingModel.StartsAt(windows, at);
        // The minutes of the timeline, from the longest window's start, in the same transaction as the windows' counts:
        // its points add up to the windows of the same cycle.
        var (groups, minutes, _, _) = await minuteCounts.ReadAsync(state.LiveKeys!, names, starts.Count > 0 ? starts.Values.Min() : long.MaxValue);
        var source = AggregatedFrom.Of(definition);
        var reconciliation = Reconciler.Parse(state.Reconciliation);
        var duration = Stopwatch.GetElapsedTime(started);
        var snapshots = names.Select(name => SnapshotBuilder.BuildWindow(name, Counts(groups[name]), at, duration) with
        {
            Index = source,
            WindowStart = starts.TryGetValue(name, out var minute) ? DateTimeOffset.FromUnixTimeSeconds(minute * 60) : null,
            Reconciliation = reconciliation,
        }).ToList();
        await store.SaveAsync(snapshots, Timeline.Build(at, starts, minutes));
        // Information when the stream moved (new messages counted), debug when nothing was new.
        var moved = state.Position != _loggedPosition;
        _loggedPosition = state.Position;
        logger.Log(moved ? LogLevel.Information : LogLevel.Debug,
            "Aggregated {Total} messages for windows {Windows} through index {IndexName} ({KeyType}, {Timestamp} timestamps); stream position {Position}",
            snapshots[0].TotalMessages, string.Join(",", names), definition.Name, definition.KeyType, definition.Timestamp, state.Position);
        return snapshots;
    }

    private static List<GroupCount> Counts(List<(string Group, long Count)> groups) => groups.Select(g =>
    {
        var (severity, system) = MessageRecord.SplitGroup(g.Group);
        return new GroupCount(severity, system, g.Count);
    }).ToList();
}
