namespace Scout.Counting;

public static class CountingServices
{
    /// <summary>The counts kept in Redis, the stream they follow, and what keeps them: the cycle's follow, the full pass, the reconciliation.</summary>
    public static IServiceCollection AddCounting(this IServiceCollection services) => services
        .AddSingleton<CountStore>()
        .AddSingleton<CountGenerations>()
        .AddSingleton<StreamFollower>()
        .AddSingleton<MessageReader>()
        .AddSingleton<StreamCatchUp>()
        .AddSingleton<FullPass>()
        .AddSingleton<Reconciler>()
        .AddSingleton<MinuteCountsReader>()
        .AddSingleton<MessageCounter>();
}
