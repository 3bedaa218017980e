using FunctionsSelfHost.Timers;

namespace Scout.Redis;

public static class RedisServices
{
    /// <summary>The connection, how its failures are told (logs, readiness), and the Redis health check.</summary>
    public static IServiceCollection AddRedis(this IServiceCollection services)
    {
        services.AddSingleton<RedisConnection>();
        services.AddSingleton<RedisFailure>();
        services.AddSingleton<IFailureDescriber>(sp => sp.GetRequiredService<RedisFailure>());
        services.AddSingleton<ReadinessLog>();
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis");
        return services;
    }
}
