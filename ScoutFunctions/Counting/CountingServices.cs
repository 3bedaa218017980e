namespace Scout.Counting;

public static class CountingServices
{
    /// <summary>The counts kept in Redis, the stream they follow, and the counter that keeps them.</summary>
    public static IServiceCollection AddCounting(this IServiceCollection services) => services
        .AddSingleton<CountStore>()
        .AddSingleton<StreamFollower>()
        .AddSingleton<MessageCounter>();
}
