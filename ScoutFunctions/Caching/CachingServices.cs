namespace Scout.Caching;

public static class CachingServices
{
    /// <summary>The read path's held values: snapshots and timer status read from Redis at most once per FreshFor.</summary>
    public static IServiceCollection AddHeldReads(this IServiceCollection services) => services
        .AddSingleton<HeldReads>()
        .AddSingleton<TimerStatusReads>();
}
