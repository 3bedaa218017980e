using Microsoft.Azure.Functions.Worker;
using Scout.Analytics;

namespace Scout.Functions;

/// <summary>
/// Every SCOUT_INTERVAL, and once at start-up: follows the producer's stream, reads the fields of the documents it names
/// as new (by key: JSON.MGET or HMGET, as the index covers them), brings Scout's counts up to date and stores each window's snapshot. A full pass over the
/// index in cursor pages only when the stream cannot say what is new, or a reconciliation is due.
/// </summary>
public sealed class AggregateAnalyticsFunction(AnalyticsAggregator aggregator)
{
    public const string Name = "AggregateAnalytics";

    [Function(Name)]
    public Task RunAsync([TimerTrigger("%SCOUT_INTERVAL%", RunOnStartup = true)] TimerInfo timer, CancellationToken cancellationToken) =>
        aggregator.RunAsync(cancellationToken);
}
