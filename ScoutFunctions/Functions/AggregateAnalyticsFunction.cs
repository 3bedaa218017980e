using Microsoft.Azure.Functions.Worker;
using Scout.Analytics;

namespace Scout.Functions;

/// <summary>Every SCOUT_INTERVAL, and once at start-up: aggregate the index into snapshots.</summary>
public sealed class AggregateAnalyticsFunction(AnalyticsAggregator aggregator)
{
    public const string Name = "AggregateAnalytics";

    [Function(Name)]
    public Task RunAsync([TimerTrigger("%SCOUT_INTERVAL%", RunOnStartup = true)] TimerInfo timer, CancellationToken cancellationToken) =>
        aggregator.RunAsync(cancellationToken);
}
