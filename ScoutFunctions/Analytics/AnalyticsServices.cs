namespace Scout.Analytics;

public static class AnalyticsServices
{
    /// <summary>The aggregation into snapshots, where they are kept, how they are served and reported as gauges.</summary>
    public static IServiceCollection AddAnalytics(this IServiceCollection services)
    {
        services.AddSingleton<ISnapshotStore, RedisSnapshotStore>();
        services.AddSingleton<AnalyticsAggregator>();
        services.AddSingleton<SnapshotCache>();
        services.AddSingleton<SnapshotGauges>();
        // Both hosts start hosted services: the gauges hook into every scrape once, wherever the app runs.
        services.AddHostedService(sp => sp.GetRequiredService<SnapshotGauges>());
        return services;
    }
}
