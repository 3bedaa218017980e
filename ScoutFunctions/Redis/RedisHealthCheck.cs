using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Scout.Redis;

/// <summary>Ready when Redis answers PING; Kubernetes then routes traffic to this replica.</summary>
public sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await redis.Database.PingAsync();
            return HealthCheckResult.Healthy($"redis answered in {latency.TotalMilliseconds:0.#} ms");
        }
        catch (Exception error)
        {
            return HealthCheckResult.Unhealthy("redis unreachable: " + error.GetType().Name);
        }
    }
}
