using Scout.Analytics;
using Scout.Hosting;

namespace Scout.Functions;

/// <summary>Every SCOUT_INTERVAL, and once at start-up: aggregate the index into snapshots.</summary>
public sealed class AggregateAnalyticsFunction(AnalyticsAggregator aggregator) : ITimerFunction
{
    public string Name => "AggregateAnalytics";
    public string Schedule => "%SCOUT_INTERVAL%";
    public bool RunOnStartup => true;

    public Task RunAsync(TimerInfo timer, CancellationToken cancellationToken) => aggregator.RunAsync(cancellationToken);
}
