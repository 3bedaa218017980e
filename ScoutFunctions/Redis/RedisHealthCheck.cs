using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Scout.Redis;

/// <summary>
/// Ready when Redis answers PING; Kubernetes then routes traffic to this replica. On a Redis Cluster also only
/// while the cluster reports cluster_state:ok and every primary that owns slots answers: with a shard down,
/// RediSearch's coordinator would answer with partial counts, so Scout fails its cycles and is not ready.
/// Both are bounded by <see cref="Timeout"/> together, below the probes' 3 s timeout.
/// </summary>
public sealed class RedisHealthCheck(RedisConnection redis, RedisFailure failure) : IHealthCheck
{
    /// <summary>How long Redis may take to answer before this replica counts as not ready: a frozen Redis must not hold the probe.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var pinged = false;
        try
        {
            // One bound for PING and, on a cluster, the shard check: the probe gets its answer within Timeout either way.
            var latency = await CheckAsync().WaitAsync(Timeout, cancellationToken);
            return HealthCheckResult.Healthy($"redis answered in {latency.TotalMilliseconds:0.#} ms");
        }
        catch (ShardUnavailableException error)
        {
            return HealthCheckResult.Unhealthy("redis cluster incomplete: " + error.Message);
        }
        catch (TimeoutException)
        {
            return HealthCheckResult.Unhealthy(pinged
                ? $"redis cluster incomplete: the shard check did not finish within {Timeout.TotalSeconds:0} s"
                : $"redis did not answer within {Timeout.TotalSeconds:0} s");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw; // the probe went away: not a Redis failure
        }
        catch (Exception error)
        {
            // The cause, never the settings: a refused TLS handshake or login reads differently from a refused port.
            return HealthCheckResult.Unhealthy(failure.Describe(error));
        }

        async Task<TimeSpan> CheckAsync()
        {
            var latency = await redis.Database.PingAsync();
            pinged = true;
            await redis.EnsureEveryShardAsync();
            return latency;
        }
    }
}
