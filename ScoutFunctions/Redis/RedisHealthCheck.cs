using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Scout.Redis;

/// <summary>
/// Ready when Redis answers PING; Kubernetes then routes traffic to this replica. On a Redis Cluster also only
/// while the cluster reports cluster_state:ok and every primary that owns slots answers: with a shard down,
/// RediSearch's coordinator would answer with partial counts, so Scout fails its cycles and is not ready.
/// </summary>
public sealed class RedisHealthCheck(RedisConnection redis, RedisFailure failure) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await redis.Database.PingAsync();
            await redis.EnsureEveryShardAsync();
            return HealthCheckResult.Healthy($"redis answered in {latency.TotalMilliseconds:0.#} ms");
        }
        catch (ShardUnavailableException error)
        {
            return HealthCheckResult.Unhealthy("redis cluster incomplete: " + error.Message);
        }
        catch (Exception error)
        {
            // The cause, never the settings: a refused TLS handshake or login reads differently from a refused port.
            return HealthCheckResult.Unhealthy(failure.Describe(error));
        }
    }
}
